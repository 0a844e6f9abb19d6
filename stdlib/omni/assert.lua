--- Assertions for omnilua tests. A failing assertion raises an omni.outcome
--- failure located at the test line that called it, with a luassert-style
--- message: a one-line verdict, then "Passed in:" and "Expected:" values
--- printed by omni.format. Every assertion takes an optional last `msg`,
--- which becomes the first line.
---
---   local assert = require "omni.assert"
---   assert.same(resp.choices, { { index = 0, text = "hi" } })
---   local err = assert.raises(function() parse("{") end, "unexpected end")
local outcome = require "omni.outcome"
local format = require "omni.format"

local M = {}

--- Most difference lines `same` lists before summarising the rest.
local MAX_DIFFS = 20

-- Frames: raise (1) <- the public assertion (2) <- the test line (3).
local function raise(msg, verdict, lines)
  local text = verdict
  if msg ~= nil then text = tostring(msg) .. "\n" .. verdict end
  if lines and #lines > 0 then text = text .. "\n" .. table.concat(lines, "\n") end
  outcome.fail(text, 3)
end

local function passed_expected(actual, expected_text)
  return { "Passed in:", format.typed(actual), "Expected:", expected_text }
end

local function check_arg(fname, i, v, want)
  if type(v) ~= want then
    error(string.format("bad argument #%d to '%s' (%s expected, got %s)", i, fname, want,
      type(v)), 3)
  end
end

--- Fails unless actual == expected (Lua's ==, so __eq applies).
---@param actual any
---@param expected any
---@param msg? string
function M.equal(actual, expected, msg)
  if actual == expected then return end
  local lines = passed_expected(actual, format.typed(expected))
  if type(actual) == "string" and type(expected) == "string" then
    local i = 1
    while actual:byte(i) == expected:byte(i) do i = i + 1 end
    lines[#lines + 1] = string.format("First difference at byte %d.", i)
  end
  raise(msg, "Expected objects to be equal.", lines)
end

-- Deep comparison. `seen` pairs tables already being compared, so cyclic
-- structures terminate (a pair under comparison is assumed equal).
local function diff(a, b, keys, out, seen)
  if a == b or (a ~= a and b ~= b) then return end -- NaN is the same as NaN here
  if type(a) ~= "table" or type(b) ~= "table" then
    out[#out + 1] = string.format("%s: expected %s, got %s", format.path(keys),
      format.value(b, { depth = 2, width = 1e9 }), format.value(a, { depth = 2, width = 1e9 }))
    return
  end
  seen[a] = seen[a] or {}
  if seen[a][b] then return end
  seen[a][b] = true
  local all = {}
  for k in next, b do all[k] = true end
  for k in next, a do all[k] = true end
  for _, k in ipairs(format.sorted_keys(all)) do
    local va, vb = rawget(a, k), rawget(b, k)
    keys[#keys + 1] = k
    if va == nil then
      out[#out + 1] = string.format("%s: missing (expected %s)", format.path(keys),
        format.value(vb, { depth = 2, width = 1e9 }))
    elseif vb == nil then
      out[#out + 1] = string.format("%s: unexpected (got %s)", format.path(keys),
        format.value(va, { depth = 2, width = 1e9 }))
    else
      diff(va, vb, keys, out, seen)
    end
    keys[#keys] = nil
  end
end

--- Fails unless actual and expected are deeply equal (raw table contents,
--- metatables ignored); the message lists each differing path.
---@param actual any
---@param expected any
---@param msg? string
function M.same(actual, expected, msg)
  local out = {}
  diff(actual, expected, {}, out, {})
  if #out == 0 then return end
  local lines = { "Differences:" }
  for i = 1, math.min(#out, MAX_DIFFS) do lines[#lines + 1] = "  " .. out[i] end
  if #out > MAX_DIFFS then
    lines[#lines + 1] = string.format("  ...and %d more differences", #out - MAX_DIFFS)
  end
  for _, l in ipairs(passed_expected(actual, format.typed(expected))) do lines[#lines + 1] = l end
  raise(msg, "Expected objects to be the same.", lines)
end

--- Fails unless |actual - expected| <= tol.
---@param actual number
---@param expected number
---@param tol number
---@param msg? string
function M.near(actual, expected, tol, msg)
  check_arg("near", 2, expected, "number")
  check_arg("near", 3, tol, "number")
  if type(actual) == "number" and math.abs(actual - expected) <= tol then return end
  local lines = passed_expected(actual, format.typed(expected) .. " +/- " .. format.value(tol))
  if type(actual) == "number" then
    lines[#lines + 1] = "Difference: " .. format.value(math.abs(actual - expected))
  end
  raise(msg, "Expected values to be near.", lines)
end

--- Fails unless string s matches the Lua pattern.
---@param s string
---@param pattern string
---@param msg? string
function M.match(s, pattern, msg)
  check_arg("match", 2, pattern, "string")
  if type(s) == "string" and s:find(pattern) then return end
  raise(msg, "Expected string to match pattern.",
    passed_expected(s, "(pattern) " .. format.quote(pattern)))
end

local function deep_equal(a, b)
  local out = {}
  diff(a, b, {}, out, {})
  return #out == 0
end

--- Fails unless haystack contains needle: a plain substring of a string, or
--- an element (deeply equal) of a table's values.
---@param haystack string|table
---@param needle any
---@param msg? string
function M.contains(haystack, needle, msg)
  if type(haystack) == "string" then
    if type(needle) == "string" and haystack:find(needle, 1, true) then return end
    raise(msg, "Expected string to contain substring.",
      passed_expected(haystack, format.typed(needle)))
  elseif type(haystack) == "table" then
    for _, v in next, haystack do
      if deep_equal(v, needle) then return end
    end
    raise(msg, "Expected table to contain value.", passed_expected(haystack, format.typed(needle)))
  end
  error(string.format("bad argument #1 to 'contains' (string or table expected, got %s)",
    type(haystack)), 2)
end

-- The text of a raised value: failures and skips carry it in a field.
local function error_text(err)
  if type(err) == "table" then
    if type(err.message) == "string" then return err.message end
    if type(err.reason) == "string" then return err.reason end
  end
  return tostring(err)
end

--- Fails unless fn() raises. With a pattern, the error's text must contain
--- it as a plain substring or match it as a Lua pattern. Returns the error
--- text and the raised value. Skips and xfails raised by fn pass through.
---@param fn function
---@param pattern? string
---@param msg? string
---@return string text, any err
function M.raises(fn, pattern, msg)
  check_arg("raises", 1, fn, "function")
  if pattern ~= nil then check_arg("raises", 2, pattern, "string") end
  local ok, err = pcall(fn)
  if ok then
    raise(msg, "Expected function to raise an error.",
      pattern and { "Expected error matching:", "(pattern) " .. format.quote(pattern) } or nil)
  end
  local kind = outcome.kind(err)
  if kind == "skip" or kind == "xfail" then error(err, 0) end
  local text = error_text(err)
  if pattern and not text:find(pattern, 1, true) then
    local okp, found = pcall(string.find, text, pattern)
    if not (okp and found) then
      raise(msg, "Expected error to match pattern.",
        { "Caught:", format.typed(text), "Expected:", "(pattern) " .. format.quote(pattern) })
    end
  end
  return text, err
end

--- Fails unless type(v) == typename; "integer" and "float" check math.type.
---@param v any
---@param typename string
---@param msg? string
function M.type(v, typename, msg)
  check_arg("type", 2, typename, "string")
  local t = type(v)
  if t == typename or (t == "number" and math.type(v) == typename) then return end
  raise(msg, "Expected value of type " .. typename .. ".", { "Passed in:", format.typed(v) })
end

--- Fails when v is nil or false.
---@param v any
---@param msg? string
function M.truthy(v, msg)
  if v then return v end
  raise(msg, "Expected value to be truthy.", { "Passed in:", format.typed(v) })
end

--- Fails unless v is nil or false.
---@param v any
---@param msg? string
function M.falsy(v, msg)
  if not v then return end
  raise(msg, "Expected value to be falsy.", { "Passed in:", format.typed(v) })
end

--- Fails unless v is nil.
---@param v any
---@param msg? string
function M.is_nil(v, msg)
  if v == nil then return end
  raise(msg, "Expected value to be nil.", { "Passed in:", format.typed(v) })
end

--- Fails when v is nil; returns v.
---@param v any
---@param msg? string
function M.not_nil(v, msg)
  if v ~= nil then return v end
  raise(msg, "Expected value not to be nil.", { "Passed in:", format.typed(v) })
end

--- Fails unconditionally.
---@param msg? string
function M.fail(msg)
  raise(nil, msg ~= nil and tostring(msg) or "Failed.")
end

-- `assert(v, msg)` on the module works like Lua's assert, but fails as a
-- test failure located at the caller; it returns all its arguments.
return setmetatable(M, {
  __call = function(_, v, msg, ...)
    if v then return v, msg, ... end
    raise(nil, msg ~= nil and tostring(msg) or "assertion failed!",
      { "Passed in:", format.typed(v) })
  end,
})
