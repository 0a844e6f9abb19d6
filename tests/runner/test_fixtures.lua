-- Fixture scopes, teardown order, autouse, request, indirect params, and
-- fixture errors (errors of the tests that use them, not failures).
local omni = require "omni"
local assert = require "omni.assert"

local S = "tests/runner/samples/"

local function lines(path)
  local out = {}
  for l in io.lines(path) do out[#out + 1] = l end
  return out
end

omni.test("scopes_and_teardown_order", {}, function(omnilua_test, tmp_path)
  local log = tmp_path .. "/log.txt"
  local r = omnilua_test({ S .. "sample_fixtures.lua", "-o", "log=" .. log })
  assert.equal(r.code, 0, r.stdout)
  -- the session fixture is set up once per distinct param ("x", then "y"),
  -- tests ordered by it; the module fixture lives until the file is done,
  -- the session one until the worker ends (as pytest: "teardown mod" at the
  -- end of the file, the server at the end of the session)
  assert.same(lines(log), {
    "setup mod", "auto uses_fn", "setup fn", "teardown fn",
    "setup server x", "auto a[x]", "auto b[x]", "teardown server x",
    "setup server y", "auto a[y]", "auto b[y]", "teardown mod",
    "teardown server y",
  })
end)

omni.test("fixture_problems_are_errors_with_where", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_fixture_errors.lua" })
  assert.equal(r.code, 1)
  local b = r.by_name
  assert.equal(b.uses_broken.outcome, "error")
  assert.equal(b.uses_broken.when, "setup")
  assert.match(b.uses_broken.message, "setup exploded")
  assert.equal(b.uses_twice.outcome, "error")
  assert.equal(b.uses_twice.when, "teardown")
  assert.match(b.uses_twice.message, "fixture 'twice' %(.-sample_fixture_errors.lua:5%) yielded twice")
  assert.equal(b.uses_bad_teardown.when, "teardown")
  assert.match(b.uses_bad_teardown.message, "teardown exploded")
  assert.equal(b.uses_undefined.outcome, "error")
  assert.match(b.uses_undefined.message, "sample_fixture_errors.lua:14: test 'uses_undefined': fixture 'brokem' not found %(did you mean 'broken'%?%)")
  assert.contains(b.uses_undefined.longrepr, "available fixtures: bad_teardown, broken,")
  assert.match(b.uses_cycle.message, "fixture 'cycle_a' .- depends on itself through a cycle")
  assert.equal(b.uses_skipper.outcome, "skipped")
  assert.equal(b.uses_skipper.reason, "fixture says skip")
  assert.equal(b.fine.outcome, "passed")
  assert.match(r.stdout, "1 passed, 1 skipped, 5 errors in")
end)
