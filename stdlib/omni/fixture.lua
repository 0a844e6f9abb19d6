--- Fixtures at run time (in a worker): the builtin fixtures (`request`,
--- `tmp_path`, `run_level`) and the stack of live fixture instances.
--- Instances are cached by scope: a function fixture lives for one test, a
--- module fixture while tests of the same file follow each other, a session
--- fixture until a test needs it with another parameter (or the worker
--- ends). Teardown is last-in first-out, as pytest's.
local context = require "omni.runner.context"
local track = require "omni.runner.track"

local M = {}

---@type omni.Scope
M.builtin_scope = context.new_scope("builtin", nil)

local function builtin(name, scope, fn, extra)
  local def = { name = name, scope = scope, fn = fn, autouse = false, where = "builtin fixture",
    owner = M.builtin_scope }
  for k, v in pairs(extra or {}) do def[k] = v end
  M.builtin_scope.fixtures[name] = def
  return def
end

--- Where tmp_path folders go (set by the runner to its run folder).
M.tmp_root = os.getenv("TMPDIR") or "/tmp"
local tmp_count = 0

builtin("request", "function", function() end, { builtin_any = true })
builtin("tmp_path", "function", function()
  local fs = require "omni.core.fs"
  tmp_count = tmp_count + 1
  -- workers are forks of one state (same random sequence): the pid tells them apart
  local dir = string.format("%s/tmp%d-%d", M.tmp_root, require("omni.core.worker").getpid(), tmp_count)
  assert(fs.mkdir(dir))
  return dir
end)
builtin("run_level", "session", function(request) return request.run_level end)

--- Lets the stdlib define fixtures every suite sees (like pytest plugins).
---@param name string
---@param opts table { scope = ..., autouse = ... }
---@param fn function
function M.define(name, opts, fn)
  local saved = context.scope
  context.scope = M.builtin_scope
  local def = require("omni").fixture(name, opts, fn)
  context.scope = saved
  def.where = debug.getinfo(2, "S").short_src
  return def
end

local NOPARAM = {}

---@class omni.FixtureStack
---@field live table[] { def, key, file, value, co }
---@field values table<table, any> def -> value of live instances
local Stack = {}
Stack.__index = Stack

---@param runtime table { guard = fn(msgh, f, ...), set_thread = fn, msgh = fn, config = table, run_level = string }
function M.new_stack(runtime)
  return setmetatable({ live = {}, rt = runtime }, Stack)
end

local function key_of(item, def)
  if item.indirect[def.name] then return item.values[def.name] end
  return NOPARAM
end

local function request_for(rt, item, def)
  local param = nil
  if def and item.indirect[def.name] then param = item.values[def.name] end
  return {
    param = param, nodeid = item.nodeid, marks = item.mark_names, run_level = rt.run_level,
    config = rt.config, fixturename = def and def.name or nil, scope = def and def.scope or "function",
    node = { name = item.name, nodeid = item.nodeid, file = item.file, line = item.line,
      marks = item.marks, params = item.params, keywords = require("omni.runner.collect").keywords(item) },
  }
end
M.request_for = request_for

--- Ends one live instance. Returns nil or an error table { message, longrepr, kind }.
function Stack:finish(inst)
  self.values[inst.def] = nil
  if not inst.co or coroutine.status(inst.co) ~= "suspended" then return nil end
  local rt = self.rt
  track.scope = inst.def.scope
  rt.set_thread(inst.co)
  local ok, rok, extra = rt.guard(rt.msgh, coroutine.resume, inst.co)
  rt.set_thread(nil)
  if not ok then
    return { err = rok, kind = extra, fixture = inst.def }
  end
  if not rok then
    return { err = extra, co = inst.co, kind = "error", fixture = inst.def }
  end
  if coroutine.status(inst.co) ~= "dead" then
    return { err = string.format("fixture '%s' (%s) yielded twice: a fixture yields its value once, the code after the yield is its teardown",
      inst.def.name, inst.def.where), kind = "error", fixture = inst.def }
  end
end

--- Tears down instances above index `from` (inclusive), last first.
--- Returns the list of teardown errors.
function Stack:unwind(from, errors)
  errors = errors or {}
  local live = self.live
  for i = #live, from, -1 do
    local e = self:finish(live[i])
    live[i] = nil
    if e then errors[#errors + 1] = e end
  end
  return errors
end

--- Tears down every instance narrower than `scope` ("function": after a
--- test; "module": at the end of a batch; "session": everything).
local RANK = { session = 1, module = 2, ["function"] = 3 }

function Stack:teardown(scope, errors)
  local keep = scope == "session" and 0 or RANK[scope] - 1
  local live = self.live
  local cut = #live + 1
  for i = 1, #live do
    if RANK[live[i].def.scope] > keep then cut = i; break end
  end
  return self:unwind(cut, errors)
end

--- Sets up what `item` needs. Returns the values (def name -> value) or
--- nil, error table { err, kind, co?, fixture }, teardown errors of stale
--- instances (a list, maybe empty).
function Stack:setup(item)
  self.values = self.values or {}
  local live, stale_errors = self.live, nil
  if #live > 0 then
    local need = {}
    for _, def in ipairs(item.fixtures) do need[def] = key_of(item, def) end
    local cut
    for i, inst in ipairs(live) do
      local k = need[inst.def]
      if (inst.def.scope == "module" and inst.file ~= item.file) or (k ~= nil and k ~= inst.key) then
        cut = i
        break
      end
    end
    if cut then stale_errors = self:unwind(cut) end
  end
  local by_name = {}
  for _, inst in ipairs(live) do by_name[inst.def] = inst end
  local values = {}
  local rt = self.rt
  for _, def in ipairs(item.fixtures) do
    local inst = by_name[def]
    if inst then
      values[def.name] = inst.value
    else
      local args = def.args
      local argv = {}
      for i, a in ipairs(args) do
        if a == "request" then argv[i] = request_for(rt, item, def)
        else argv[i] = self.values[def.deps[i]] end
      end
      local co = coroutine.create(def.fn)
      track.scope = def.scope
      rt.set_thread(co)
      local ok, rok, value = rt.guard(rt.msgh, coroutine.resume, co, table.unpack(argv, 1, #args))
      rt.set_thread(nil)
      if not ok then return nil, { err = rok, kind = value, fixture = def }, stale_errors end
      if not rok then return nil, { err = value, co = co, kind = "error", fixture = def }, stale_errors end
      inst = { def = def, key = key_of(item, def), file = item.file, value = value, co = co }
      live[#live + 1] = inst
      by_name[def] = inst
      values[def.name] = value
      self.values[def] = value
    end
  end
  return values, nil, stale_errors
end

return M
