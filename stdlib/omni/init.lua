--- The test DSL: what a test file calls. Definitions are recorded while the
--- runner loads a file (see omni.runner.collect); nothing runs here.
---
--- ```lua
--- local omni = require "omni"
--- omni.test("square", { params = { n = { 1, 2, 3 } } }, function(n)
---   assert(n * n == n ^ 2)
--- end)
--- ```
local context = require "omni.runner.context"
local outcome = require "omni.outcome"
local markers = require "omni.markers"

local M = {}

local Param = { __name = "omni.Param" }
local Indirect = { __name = "omni.Indirect" }
M.Param, M.Indirect = Param, Indirect

local getinfo = debug.getinfo

local function caller(level)
  local info = debug.getinfo(level + 1, "Sl")
  return info.short_src, info.currentline
end

local function need_file(what)
  if not context.scope then
    error(what .. " may only be called while omnilua loads a test file or conftest.lua", 3)
  end
end

local OPTS = {
  marks = "table", params = "table", skip = true, skipif = true, xfail = true,
  timeout = "number", doc = "string", reason = "string",
}

local function check_opts(what, opts, level)
  if type(opts) ~= "table" then
    error(string.format("%s: options must be a table, got %s", what, type(opts)), level + 1)
  end
  for k, v in pairs(opts) do
    local want = OPTS[k]
    if want == nil then
      error(string.format("%s: unknown option '%s'", what, tostring(k)), level + 1)
    elseif want ~= true and type(v) ~= want then
      error(string.format("%s: option '%s' must be a %s, got %s", what, k, want, type(v)), level + 1)
    end
  end
end

--- Defines a test. `fn`'s parameter names choose its fixtures and params.
---@param name string
---@param opts? table { marks, params, skip, skipif, reason, xfail, timeout, doc }
---@param fn function
function M.test(name, opts, fn)
  need_file("omni.test")
  if fn == nil and type(opts) == "function" then opts, fn = {}, opts end
  if type(name) ~= "string" or name == "" then
    error("omni.test: name must be a non-empty string", 2)
  end
  if type(fn) ~= "function" then
    error(string.format("omni.test '%s': the test body must be a function", name), 2)
  end
  if next(opts) ~= nil then check_opts("omni.test '" .. name .. "'", opts, 2) end
  local file = context.file
  if not file or not file.tests then
    error("omni.test: tests belong in test files, not in conftest.lua", 2)
  end
  local tests = file.tests
  tests[#tests + 1] = {
    name = name, opts = opts, fn = fn, line = getinfo(2, "l").currentline, scope = context.scope,
  }
end

--- Groups tests under a name (node id `file::group::test`); `opts.marks`
--- and the skip/xfail options apply to every test inside. Fixtures defined
--- inside are visible only to the group's tests.
---@param name string
---@param opts? table
---@param fn function
function M.group(name, opts, fn)
  need_file("omni.group")
  if fn == nil and type(opts) == "function" then opts, fn = {}, opts end
  if type(name) ~= "string" or name == "" or type(fn) ~= "function" then
    error("omni.group(name, [opts,] fn): name must be a string and fn a function", 2)
  end
  check_opts("omni.group '" .. name .. "'", opts, 2)
  local outer = context.scope
  context.scope = context.new_scope("group", outer, { group = { name = name, opts = opts } })
  local ok, err = pcall(fn)
  context.scope = outer
  if not ok then error(err, 0) end
end

local SCOPES = { ["function"] = true, module = true, session = true }

--- Defines a fixture: `fn` sets up, `coroutine.yield(value)` hands the value
--- to the test, the code after the yield is the teardown. A fixture may also
--- simply `return value`. Its parameters are other fixtures (e.g. `request`).
--- With `params = { v1, v2 }` the fixture is parametrized: every test that
--- uses it (directly or through other fixtures) runs once per value
--- (`test[v1]`, `test[v2]`), the fixture sees it as `request.param`.
---@param name string
---@param opts? table { scope = "function"|"module"|"session", autouse = boolean, params = any[] }
---@param fn function
function M.fixture(name, opts, fn)
  need_file("omni.fixture")
  if fn == nil and type(opts) == "function" then opts, fn = {}, opts end
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error("omni.fixture: name must be a Lua identifier, got " .. tostring(name), 2)
  end
  if type(fn) ~= "function" then error("omni.fixture '" .. name .. "': fn must be a function", 2) end
  opts = opts or {}
  local scope = opts.scope or "function"
  if not SCOPES[scope] then
    error(string.format("omni.fixture '%s': scope must be function, module or session, got %s",
      name, tostring(scope)), 2)
  end
  for k in pairs(opts) do
    if k ~= "scope" and k ~= "autouse" and k ~= "params" then
      error(string.format("omni.fixture '%s': unknown option '%s'", name, tostring(k)), 2)
    end
  end
  if opts.params ~= nil and (type(opts.params) ~= "table" or #opts.params == 0) then
    error(string.format("omni.fixture '%s': params must be a non-empty list of values", name), 2)
  end
  local src, line = caller(2)
  local def = {
    name = name, scope = scope, autouse = opts.autouse and true or false, fn = fn,
    where = src .. ":" .. line, owner = context.scope, params = opts.params,
  }
  local s = context.scope
  s.fixtures[name] = def
  if def.autouse then s.autouse[#s.autouse + 1] = def end
  return def
end

--- Marks every test of the file (at a test file's top level), of the group
--- (inside `omni.group`'s function) or of every file at and below the
--- folder (in a conftest.lua) -- pytest's `pytestmark`:
--- `omni.marks{ "core_model", "cpu" }`. The marks come before each test's
--- own and are checked against the registry like them; `-m`, `-k`, the
--- reports and `omnilua lint` see them. Calls add up.
---@param list (string|table)[] mark names or { name = ..., kwargs = {...} }
function M.marks(list)
  need_file("omni.marks")
  if type(list) ~= "table" then
    error("omni.marks: expects a list of marks, e.g. omni.marks{ \"core_model\", \"cpu\" }, got " .. type(list), 2)
  end
  local s = context.scope
  if s.kind == "builtin" then error("omni.marks: not allowed in the builtin scope", 2) end
  local src, line = caller(2)
  local own, at = s.marks or {}, s.marks_at or {}
  for i, m in ipairs(list) do
    if type(m) ~= "string" and type(m) ~= "table" then
      error(string.format("omni.marks: mark #%d must be a name or { name = ..., kwargs = {...} }, got %s",
        i, type(m)), 2)
    end
    own[#own + 1] = m
    at[#own] = src .. ":" .. line -- where an unregistered mark is reported
  end
  s.marks, s.marks_at = own, at
end

--- Marks a parameter's values as indirect: each value goes to the fixture of
--- the same name as `request.param`, and the test receives the fixture's value.
---@param values any[]
function M.indirect(values)
  if type(values) ~= "table" then error("omni.indirect: expects a list of values", 2) end
  return setmetatable({ values = values }, Indirect)
end

--- One parameter value with its own id and/or marks:
--- `omni.param(42, { id = "answer", marks = { "slow" } })`.
---@param value any
---@param opts? { id: string?, marks: table? }
function M.param(value, opts)
  opts = opts or {}
  if opts.id ~= nil and type(opts.id) ~= "string" then error("omni.param: id must be a string", 2) end
  return setmetatable({ value = value, id = opts.id, marks = opts.marks }, Param)
end

--- Registers a mark so tests may use it (`omnilua markers` lists them).
---@param name string
---@param description string
function M.register_mark(name, description)
  local src, line = caller(2)
  markers.register(name, description, src .. ":" .. line)
end

--- Skips the running test (or fixture's tests) now: `omni.skip("no GPU")`.
M.skip = outcome.skip
--- Declares the running test an expected failure now.
M.xfail = outcome.xfail
--- Fails the running test with a message.
function M.fail(message) outcome.fail(message, 2) end

return M
