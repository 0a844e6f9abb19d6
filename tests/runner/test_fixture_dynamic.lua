-- Fixture-level params (a fixture parametrized itself), request.addfinalizer
-- and request.getfixturevalue, through the CLI on a sample suite.
local omni = require "omni"
local assert = require "omni.assert"

local S = "tests/runner/samples/sample_fixture_dynamic.lua"

local function lines(path)
  local out = {}
  local f = io.open(path)
  if not f then return out end
  for l in f:lines() do out[#out + 1] = l end
  f:close()
  return out
end

omni.test("fixture_params_multiply_the_tests_that_use_them", { timeout = 60 }, function(omnilua_test, tmp_path)
  local r = omnilua_test({ S .. "::direct", S .. "::through_fixture", S .. "::with_own_params", S .. "::overridden",
    S .. "::ids", "-o", "log=" .. tmp_path .. "/log" })
  assert.equal(r.code, 0, r.stdout)
  local names = {}
  for _, t in ipairs(r.json.tests) do names[#names + 1] = t.name end
  table.sort(names)
  assert.same(names, {
    "direct[cpu]", "direct[gpu]", "ids[numbered1]", "ids[one]", "overridden[tpu]",
    "through_fixture[cpu]", "through_fixture[gpu]",
    "with_own_params[1-cpu]", "with_own_params[1-gpu]", "with_own_params[2-cpu]", "with_own_params[2-gpu]",
  })
  assert.equal(r.by_name["direct[gpu]"].params.backend, "gpu")
  -- a module fixture with params is set up once per value (the planner
  -- orders the file's tests by value), finalizer after its teardown
  local log = lines(tmp_path .. "/log")
  local setups = 0
  for _, l in ipairs(log) do if l:match("^setup ") then setups = setups + 1 end end
  assert.equal(setups, 2, table.concat(log, "\n"))
  local td, fin
  for i, l in ipairs(log) do
    if l == "teardown cpu" then td = i elseif l == "finalizer cpu" then fin = i end
  end
  assert.truthy(td and fin and fin == td + 1, table.concat(log, "\n"))
end)

omni.test("addfinalizer_runs_last_registered_first_and_errors_are_teardown_errors", { timeout = 60 },
  function(omnilua_test, tmp_path)
    local r = omnilua_test({ S .. "::finalizers_lifo", S .. "::finalizer_error", "-o", "log=" .. tmp_path .. "/log" })
    assert.equal(r.code, 1)
    local log = lines(tmp_path .. "/log")
    assert.same(log, { "test finalizer", "plain finalizer 2", "plain finalizer 1" })
    assert.equal(r.by_name.finalizers_lifo.outcome, "passed")
    local t = r.by_name.finalizer_error
    assert.equal(t.outcome, "error")
    assert.equal(t.when, "teardown")
    assert.match(t.message, "finalizer broke")
  end)

omni.test("getfixturevalue_sets_up_on_demand_and_names_what_is_wrong", { timeout = 60 },
  function(omnilua_test, tmp_path)
    local r = omnilua_test({ S .. "::dynamic", S .. "::dynamic_unknown", S .. "::dynamic_parametrized",
      "-o", "log=" .. tmp_path .. "/log" })
    assert.equal(r.code, 1)
    local b = r.by_name
    assert.equal(b.dynamic.outcome, "passed", b.dynamic.message)
    assert.equal(b.dynamic_unknown.outcome, "failed")
    assert.match(b.dynamic_unknown.message, "fixture 'no_such_fixture' not found")
    assert.equal(b.dynamic_parametrized.outcome, "failed")
    assert.match(b.dynamic_parametrized.message, "fixture 'backend' .* is parametrized")
    -- the fixture set up on demand was torn down with the test
    assert.same(lines(tmp_path .. "/log"), { "plain finalizer 2", "plain finalizer 1" })
  end)

omni.test("fixture_params_must_be_a_list", {}, function(omnilua_test, tmp_path)
  local f = assert(io.open(tmp_path .. "/test_bad.lua", "w"))
  f:write('local omni = require "omni"\nomni.fixture("x", { params = {} }, function() end)\n')
  f:close()
  local r = omnilua_test({ tmp_path .. "/test_bad.lua" })
  assert.equal(r.code, 2)
  assert.match(r.stdout, "params must be a non%-empty list")
end)
