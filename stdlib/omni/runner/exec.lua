--- Runs one item in a worker: skip checks, fixture setup, the body under
--- the time guard, teardown of function fixtures, xfail bookkeeping.
--- Returns the compact result the worker sends to the parent:
--- { o = outcome, w = when, d = seconds, m = message, l = longrepr,
---   r = reason, c = cause }.
local outcome = require "omni.outcome"
local fixture = require "omni.fixture"
local track = require "omni.runner.track"
local clock = require "omni.core.clock"

local M = {}

local stdlib_dir = (require("omni.core.host").root or "") .. "/stdlib/omni/"

--- Message handler: keeps the raised value and a traceback for the report.
function M.msgh(e)
  if type(e) == "table" and getmetatable(e) ~= nil and outcome.kind(e) ~= "error" then
    return e -- skip / xfail / failure carry their own location; no traceback needed
  end
  return setmetatable({ e = e, tb = debug.traceback("", 2) }, M.Wrapped)
end
M.Wrapped = { __name = "omni.runner.Wrapped" }

local lines_cache = {}
local function source_line(file, line)
  local lines = lines_cache[file]
  if not lines then
    lines = {}
    local f = io.open(file, "r")
    if f then
      for l in f:lines() do lines[#lines + 1] = l end
      f:close()
    end
    lines_cache[file] = lines
  end
  return lines[tonumber(line)]
end

local function trim_traceback(tb)
  if not tb then return nil end
  local out = {}
  for l in tb:gmatch("[^\n]+") do
    if l:match("^%s") and not l:find("[C]:", 1, true) and not l:find(stdlib_dir, 1, true)
      and not l:find("(...tail calls...)", 1, true) then
      out[#out + 1] = l
    end
  end
  if #out == 0 then return nil end
  return "traceback:\n" .. table.concat(out, "\n")
end

--- Turns a raised value into message (one line) and longrepr (full text).
---@return string message, string longrepr, string kind
function M.describe(raised, co)
  local tb
  if getmetatable(raised) == M.Wrapped then raised, tb = raised.e, raised.tb end
  if co and not tb then tb = debug.traceback(co, "", 0) end
  local kind = outcome.kind(raised)
  local text, where
  if kind == "failure" then
    text, where = raised.message or "assertion failed", raised.where
  elseif kind == "skip" or kind == "xfail" then
    text, where = raised.reason, raised.where
  elseif type(raised) == "string" then
    text = raised
    where = raised:match("^([^:\n]+:%d+):")
  else
    local ok, s = pcall(tostring, raised)
    text = ok and s or "(error object is a " .. type(raised) .. " value)"
  end
  local message = (text:match("^[^\n]*") or text)
  local parts = {}
  if where then
    local file, line = where:match("^(.*):(%d+)$")
    local src = file and source_line(file, line)
    if src then parts[#parts + 1] = ">   " .. src:gsub("^%s+", "") end
  end
  for l in (text .. "\n"):gmatch("([^\n]*)\n") do parts[#parts + 1] = "E   " .. l end
  if where then parts[#parts + 1] = "\n" .. where end
  local t = trim_traceback(tb)
  if t then parts[#parts + 1] = t end
  return message, table.concat(parts, "\n"), kind
end

local function xfail_spec(item)
  local x = item.opts.xfail
  if x == nil or x == false then return nil end
  if x == true then return { reason = item.opts.reason or "" } end
  if type(x) == "string" then return { reason = x } end
  if type(x) == "table" then
    local spec = { reason = x.reason or item.opts.reason or "", strict = x.strict, raises = x.raises }
    if x.condition ~= nil then
      local c = x.condition
      if type(c) == "function" then c = c() end
      if not c then return nil end
    end
    return spec
  end
end

--- The skip reason of an item before anything runs, or nil.
function M.skip_reason(item, rt)
  local o = item.opts
  if o.skip then
    return type(o.skip) == "string" and o.skip or o.reason or "unconditional skip"
  end
  if o.skipif ~= nil then
    local cond, reason = o.skipif, o.reason
    if type(cond) == "table" then cond, reason = cond[1], cond[2] or cond.reason or reason end
    if type(cond) == "function" then
      local r, why = cond(fixture.request_for(rt, item, nil))
      cond, reason = r, why or reason
    end
    if cond then return reason or "skipped by skipif" end
  end
  for _, m in ipairs(item.mark_names) do
    if m == "gpu" then
      local ok, why = rt.gpu_available()
      if not ok then
        why = tostring(why)
        return why:find("no usable GPU", 1, true) and why or ("no usable GPU: " .. why)
      end
    end
  end
end

local function fmt_seconds(s) return string.format("%g", s) end

-- Shared empty list (never written): no allocation for the common case.
local EMPTY = setmetatable({}, { __newindex = function() error("EMPTY is read-only", 2) end })

--- Runs item; returns the result table, the teardown errors of earlier
--- tests' fixtures (stale instances ended before this test) and extra
--- teardown errors of this test (when its result already is a failure).
function M.run(item, stack, rt)
  local t0 = clock.now_ns()
  local res = { o = "passed", w = "call" }
  local timeout = item.timeout or rt.timeout

  local function finish()
    res.d = (clock.now_ns() - t0) / 1e9
    return res
  end

  local function from_error(raised, kind, when, co)
    res.w = when
    if kind == "timeout" then
      res.o, res.c = when == "call" and "failed" or "error", "timeout"
      res.m = "timed out after " .. fmt_seconds(timeout) .. " s"
      res.l = res.m .. " (" .. when .. ")"
      return
    elseif kind == "memory" then
      res.o, res.c = when == "call" and "failed" or "error", "memory"
      res.m = "out of memory: worker memory limit " .. rt.memory_text
      res.l = res.m
      rt.retire = true
      return
    end
    local message, longrepr, k = M.describe(raised, co)
    if message == "not enough memory" then return from_error(nil, "memory", when) end
    if k == "skip" then
      res.o, res.r, res.m = "skipped", message, nil
    elseif k == "xfail" then
      res.o, res.r = "xfailed", message
    else
      res.o = (when == "call") and "failed" or "error"
      res.m, res.l = message, longrepr
    end
  end

  local okskip, reason = true, nil
  local o = item.opts
  if o.skip or o.skipif ~= nil or #item.mark_names > 0 then okskip, reason = pcall(M.skip_reason, item, rt) end
  if not okskip then
    from_error(reason, "error", "setup")
    return finish(), EMPTY, EMPTY
  end
  if reason then
    res.o, res.r, res.w = "skipped", reason, "setup"
    return finish(), EMPTY, EMPTY
  end

  local values, serr, stale = EMPTY, nil, nil
  local test_fins
  if #item.fixtures > 0 or #stack.live > 0 then
    values, serr, stale = stack:setup(item)
  end
  if serr then
    from_error(serr.err, serr.kind, "setup", serr.co)
  else
    local args = item.args
    track.scope = "function"
    local ok, err, kind
    if #args == 0 then
      ok, err, kind = rt.guard(M.msgh, item.fn)
    else
      local argv = {}
      for i = 1, #args do
        local a = args[i]
        local v = item.values[a]
        if v == nil or item.indirect[a] then
          if a == "request" then
            test_fins = {}
            v = fixture.request_for(rt, item, nil, stack, test_fins)
          else
            v = values[a]
          end
        end
        argv[i] = v
      end
      ok, err, kind = rt.guard(M.msgh, item.fn, table.unpack(argv, 1, #args))
    end
    if not ok then from_error(err, kind, "call") end
    local xf = xfail_spec(item)
    if xf then
      if res.o == "failed" and res.c == nil then
        if xf.raises and not (res.m or ""):find(xf.raises) then
          res.m = "raised an error not matching xfail raises='" .. xf.raises .. "': " .. (res.m or "")
        else
          res.o, res.r, res.m, res.l = "xfailed", xf.reason, nil, nil
        end
      elseif res.o == "passed" then
        if xf.strict then
          res.o, res.m = "failed", "[XPASS(strict)] " .. xf.reason
          res.l = res.m
        else
          res.o, res.r = "xpassed", xf.reason
        end
      end
    end
  end
  local terrs = EMPTY
  if test_fins and #test_fins > 0 then
    -- request.addfinalizer in the test: after the body, before its fixtures
    terrs = {}
    stack:run_finalizers(test_fins, { name = "request", scope = "function" }, terrs)
  end
  if #stack.live > 0 then terrs = stack:teardown("function", terrs ~= EMPTY and terrs or nil) end
  track.scope = nil
  local extra = EMPTY
  for i, e in ipairs(terrs) do
    if i == 1 and res.o ~= "failed" and res.o ~= "error" then
      res = { o = "passed" }
      from_error(e.err, e.kind, "teardown", e.co)
    else
      if extra == EMPTY then extra = {} end
      extra[#extra + 1] = e -- pytest reports these as a second record of the test
    end
  end
  return finish(), stale or EMPTY, extra
end

--- Result for teardown errors of wider fixtures (module/session) found
--- between tests: an extra "error" record for the test that used them last.
function M.teardown_error(e, timeout, rt)
  local message, longrepr = M.describe(e.err, e.co)
  if e.kind == "timeout" then
    message = "timed out after " .. fmt_seconds(timeout) .. " s"
    longrepr = message .. " (teardown of fixture '" .. e.fixture.name .. "')"
  elseif e.kind == "memory" then
    message = "out of memory: worker memory limit " .. rt.memory_text
    longrepr = message
  end
  return { o = "error", w = "teardown", d = 0, m = message, l = longrepr, x = 1,
    c = (e.kind == "timeout" or e.kind == "memory") and e.kind or nil }
end

return M
