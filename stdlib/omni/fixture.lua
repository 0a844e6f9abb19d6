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

local request_methods = {}

--- Registers fn to run at the teardown of the fixture (or test) that owns
--- this request, after its own teardown, last registered first.
---@param fn function
function request_methods.addfinalizer(self, fn)
  if type(fn) ~= "function" then error("request.addfinalizer: expects a function", 3) end
  local fins = rawget(self, "_finalizers")
  if not fins then error("request.addfinalizer: not available here (only in a test or fixture)", 3) end
  fins[#fins + 1] = fn
end

--- The value of fixture `name`, set up now if needed (pytest's
--- request.getfixturevalue): for fixtures chosen at run time.
---@param name string
---@return any
function request_methods.getfixturevalue(self, name)
  if type(name) ~= "string" then error("request.getfixturevalue: expects a fixture name", 3) end
  local stack = rawget(self, "_stack")
  if not stack then error("request.getfixturevalue: not available here (only in a test or fixture)", 3) end
  local value, err = stack:dynamic(rawget(self, "_item"), name, rawget(self, "_def"))
  if err then error(err, 3) end
  return value
end

-- request.addfinalizer(fn) as in pytest, and request:addfinalizer(fn) too:
-- the methods come bound to their request.
local Request = { __name = "omni.Request" }
function Request.__index(req, key)
  local m = request_methods[key]
  if not m then return nil end
  return function(a, ...)
    if a == req then return m(req, ...) end
    return m(req, a, ...)
  end
end

--- The `request` a test or fixture gets. stack and finalizers are nil where
--- getfixturevalue/addfinalizer make no sense (skipif conditions).
local function request_for(rt, item, def, stack, finalizers)
  local param = nil
  if def and item.indirect[def.name] then param = item.values[def.name] end
  return setmetatable({
    param = param, nodeid = item.nodeid, marks = item.mark_names, run_level = rt.run_level,
    config = rt.config, fixturename = def and def.name or nil, scope = def and def.scope or "function",
    node = { name = item.name, nodeid = item.nodeid, file = item.file, line = item.line,
      marks = item.marks, params = item.params, keywords = require("omni.runner.collect").keywords(item) },
    _stack = stack, _item = item, _def = def, _finalizers = finalizers,
  }, Request)
end
M.request_for = request_for

--- Runs finalizers (last first) under the guard; appends errors to `errors`.
function Stack:run_finalizers(fins, def, errors)
  local rt = self.rt
  for i = #fins, 1, -1 do
    local ok, err, kind = rt.guard(rt.msgh, fins[i])
    if not ok then errors[#errors + 1] = { err = err, kind = kind, fixture = def } end
  end
end

--- Ends one live instance: the code after its yield, then its finalizers.
--- Appends error tables { err, kind, co?, fixture } to `errors`.
function Stack:finish(inst, errors)
  self.values[inst.def] = nil
  if inst.co and coroutine.status(inst.co) == "suspended" then
    local rt = self.rt
    track.scope = inst.def.scope
    rt.set_thread(inst.co)
    local ok, rok, extra = rt.guard(rt.msgh, coroutine.resume, inst.co)
    rt.set_thread(nil)
    if not ok then
      errors[#errors + 1] = { err = rok, kind = extra, fixture = inst.def }
    elseif not rok then
      errors[#errors + 1] = { err = extra, co = inst.co, kind = "error", fixture = inst.def }
    elseif coroutine.status(inst.co) ~= "dead" then
      errors[#errors + 1] = { err = string.format("fixture '%s' (%s) yielded twice: a fixture yields its value once, the code after the yield is its teardown",
        inst.def.name, inst.def.where), kind = "error", fixture = inst.def }
    end
  end
  if inst.finalizers and #inst.finalizers > 0 then
    track.scope = inst.def.scope
    self:run_finalizers(inst.finalizers, inst.def, errors)
  end
end

--- Tears down instances above index `from` (inclusive), last first.
--- Returns the list of teardown errors.
function Stack:unwind(from, errors)
  errors = errors or {}
  local live = self.live
  for i = #live, from, -1 do
    self:finish(live[i], errors)
    live[i] = nil
  end
  return errors
end

--- Tears down every instance narrower than `scope` ("function": after a
--- test; "module": at the end of a batch; "session": everything).
local RANK = { session = 1, module = 2, ["function"] = 3 }

function Stack:teardown(scope, errors)
  errors = errors or {}
  local keep = scope == "session" and 0 or RANK[scope] - 1
  local live = self.live
  -- last first; instances of wider scopes stay (getfixturevalue may have
  -- set one up after narrower ones)
  for i = #live, 1, -1 do
    if RANK[live[i].def.scope] > keep then
      self:finish(live[i], errors)
      table.remove(live, i)
    end
  end
  return errors
end

-- Sets up one fixture (its dependencies are live). Returns the instance, or
-- nil and an error table.
function Stack:setup_one(item, def)
  local rt = self.rt
  local args = def.args
  local argv = {}
  local fins
  for i, a in ipairs(args) do
    if a == "request" then
      fins = {}
      argv[i] = request_for(rt, item, def, self, fins)
    else
      argv[i] = self.values[def.deps[i]]
    end
  end
  local co = coroutine.create(def.fn)
  track.scope = def.scope
  rt.set_thread(co)
  local ok, rok, value = rt.guard(rt.msgh, coroutine.resume, co, table.unpack(argv, 1, #args))
  rt.set_thread(nil)
  local err
  if not ok then err = { err = rok, kind = value, fixture = def }
  elseif not rok then err = { err = value, co = co, kind = "error", fixture = def } end
  if err then
    -- what it registered before failing still runs (its errors are dropped:
    -- the setup error is the one to report)
    if fins and #fins > 0 then self:run_finalizers(fins, def, {}) end
    return nil, err
  end
  local inst = { def = def, key = key_of(item, def), file = item.file, value = value, co = co,
    finalizers = fins }
  self.live[#self.live + 1] = inst
  self.values[def] = value
  return inst
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
  for _, def in ipairs(item.fixtures) do
    local inst = by_name[def]
    if not inst then
      local err
      inst, err = self:setup_one(item, def)
      if not inst then return nil, err, stale_errors end
      by_name[def] = inst
    end
    values[def.name] = inst.value
  end
  return values, nil, stale_errors
end

--- request.getfixturevalue: the live value of fixture `name` for `item`, or
--- set up now (with what it depends on) and torn down with its scope.
--- Returns value, or nil and an error message.
function Stack:dynamic(item, name, requester)
  self.values = self.values or {}
  local closure = require "omni.runner.closure"
  local probe = { scope = item.scope, args = { name }, values = {},
    indirect = item.indirect, file = item.file, line = item.line, base = item.base }
  local defs, err = closure.resolve(probe)
  if err then return nil, err end
  local RANKS = closure.RANK
  local target
  for _, def in ipairs(defs) do
    if def.name == name then target = def end
    if def.params and item.values[def.name] == nil then
      return nil, string.format("getfixturevalue('%s'): fixture '%s' (%s) is parametrized: name it as a parameter of the test or fixture instead",
        name, def.name, def.where)
    end
  end
  if requester and target and not target.builtin_any and RANKS[target.scope] > RANKS[requester.scope] then
    return nil, string.format("ScopeMismatch: %s-scoped fixture '%s' (%s) requests %s-scoped fixture '%s' through getfixturevalue",
      requester.scope, requester.name, requester.where, target.scope, target.name)
  end
  local live_defs = {}
  for _, inst in ipairs(self.live) do live_defs[inst.def] = inst end
  local value
  for _, def in ipairs(defs) do
    local inst = live_defs[def]
    if not inst then
      local e
      inst, e = self:setup_one(item, def)
      if not inst then
        local exec = require "omni.runner.exec"
        local message = exec.describe(e.err, e.co)
        return nil, string.format("getfixturevalue('%s'): fixture '%s' failed: %s", name, def.name, message)
      end
    end
    if def.name == name then value = inst.value end
  end
  return value
end

return M
