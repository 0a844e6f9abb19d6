--- Reads the result records that `omnilua test --json FILE` writes, whatever
--- shape the JSON reporter settles on: an object with a list under "tests",
--- "results" or "records" (and "meta"/"summary" beside it), a bare list, or
--- JSON lines (one record, or one {"event": ..} object, per line). A run
--- killed half way may leave a truncated last line; it is ignored.
local cjson = require "cjson"

local M = {}

local function decode(s)
  local ok, v = pcall(cjson.decode, s)
  if ok then return v end
end

local function is_record(v) return type(v) == "table" and type(v.nodeid) == "string" end

-- cjson decodes JSON null as a light userdata (records want nil) and every
-- number as a float: 3 comes back as 3.0 and would print as "3.0" in a
-- file:line, a count or a re-encoded report. JSON does not tell 3 from 3.0,
-- so an integral value becomes an integer again.
local function clean(v)
  if v == cjson.null then return nil end
  if math.type(v) == "float" then return math.tointeger(v) or v end
  if type(v) == "table" then
    for k, x in pairs(v) do v[k] = clean(x) end
  end
  return v
end

--- A decoded JSON value with nulls removed and integral numbers as
--- integers (in place for tables).
---@param v any
---@return any
M.normalize = clean

--- A number as text: integers (also integral floats) without ".0".
---@param v any
---@return string
function M.num(v)
  if math.type(v) == "float" then
    local i = math.tointeger(v)
    if i then return string.format("%d", i) end
  end
  return tostring(v)
end

--- Parses JSON results text.
---@param text string
---@param name string? for messages
---@return table? out { records = table[], meta = table?, summary = table? }, string? err
function M.parse(text, name)
  name = name or "results.json"
  if text:match("^%s*$") then return nil, name .. ": results file is empty" end
  local whole = decode(text)
  if type(whole) == "table" then
    whole = clean(whole)
    if #whole > 0 or next(whole) == nil then
      local recs = {}
      for _, r in ipairs(whole) do if is_record(r) then recs[#recs + 1] = r end end
      return { records = recs }
    end
    if is_record(whole) then return { records = { whole } } end
    local list = whole.tests or whole.results or whole.records
    if type(list) == "table" then
      local recs = {}
      for _, r in ipairs(list) do if is_record(r) then recs[#recs + 1] = r end end
      return { records = recs, meta = whole.meta or whole.run, summary = whole.summary }
    end
  end
  -- JSON lines
  local out = { records = {} }
  local n, bad = 0, nil
  for line in text:gmatch("[^\n]+") do
    n = n + 1
    if not line:match("^%s*$") then
      local v = decode(line)
      if type(v) ~= "table" then
        bad = bad or n
      else
        v = clean(v)
        local ev = v.event or v.type
        if is_record(v) and (ev == nil or ev == "result" or ev == "collect_error") then
          out.records[#out.records + 1] = v.record or v
        elseif type(v.record) == "table" and is_record(v.record) then
          out.records[#out.records + 1] = v.record
        elseif ev == "start" or ev == "meta" then
          out.meta = v.meta or v
        elseif ev == "finish" or ev == "summary" then
          out.summary = v.summary or v
        end
      end
    end
  end
  if #out.records == 0 and bad then
    return nil, string.format("%s:%d: not valid JSON results", name, bad)
  end
  return out
end

--- Reads a JSON results file.
---@param path string
---@return table? out, string? err
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, "results file " .. path .. " not found (" .. tostring(err) .. ")" end
  local text = f:read("a")
  f:close()
  return M.parse(text, path)
end

return M
