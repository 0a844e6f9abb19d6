-- --reruns: failed tests run again (in the worker, so function fixtures are
-- set up afresh; a crash in a fresh worker); a pass on rerun is "flaky".
local omni = require "omni"
local assert = require "omni.assert"

local S = "tests/runner/samples/"

omni.test("reruns_report_flaky_and_keep_failures", { timeout = 60 }, function(omnilua_test, tmp_path)
  local r = omnilua_test({ S .. "sample_flaky.lua", "--reruns", "2", "-o", "state=" .. tmp_path .. "/state" })
  assert.equal(r.code, 1, r.stdout)
  local b = r.by_name
  for _, name in ipairs({ "fails_once", "crashes_once", "fixture_redone" }) do
    assert.equal(b[name].outcome, "passed", name)
    assert.equal(b[name].flaky, true, name)
    assert.equal(b[name].reruns, 1, name)
    assert.equal(#b[name].rerun_failures, 1, name)
    assert.equal(b[name].category, "flaky", name)
  end
  assert.match(b.fails_once.rerun_failures[1].message, "first attempt fails")
  assert.equal(b.crashes_once.rerun_failures[1].cause, "signal")
  assert.equal(b.always_fails.outcome, "failed")
  assert.equal(b.always_fails.reruns, 2)
  assert.equal(#b.always_fails.rerun_failures, 2)
  assert.is_nil(b.always_fails.flaky)
  assert.is_nil(b.passes.reruns)
  assert.equal(#r.json.tests, 5, "one record per test, not per attempt")
  assert.match(r.stdout, "1 failed, 4 passed, 3 flaky in ")
  assert.equal(r.json.summary.counts.flaky, 3)
end)

omni.test("without_reruns_nothing_is_rerun", { timeout = 60 }, function(omnilua_test, tmp_path)
  local r = omnilua_test({ S .. "sample_flaky.lua", "-k", "fails_once or fixture_redone", "-q" })
  assert.equal(r.code, 1)
  assert.equal(r.by_name.fails_once.outcome, "failed")
  assert.is_nil(r.by_name.fails_once.reruns)
  assert.falsy(r.stdout:find("flaky in", 1, true))
end)

omni.test("reruns_do_not_rerun_budget_stops_and_bad_values_are_usage_errors", { timeout = 60 },
  function(omnilua_test)
    local r = omnilua_test({ S .. "sample_slow.lua", "--reruns", "3", "--budget", "0.6s" })
    assert.equal(r.code, 1)
    for _, t in ipairs(r.json.tests) do
      if t.cause == "budget" then assert.is_nil(t.reruns, t.name) end
    end
    r = omnilua_test({ S .. "sample_one.lua", "--reruns", "-1" })
    assert.equal(r.code, 4)
    assert.match(r.stderr, "%-%-reruns expects a number >= 0")
    r = omnilua_test({ S .. "sample_one.lua", "--reruns", "two" })
    assert.equal(r.code, 4)
  end)

omni.test("a_rerun_gets_its_own_deadline", { timeout = 60 }, function(omnilua_test, tmp_path)
  -- each attempt takes 0.6 s of a 1 s timeout: two attempts in a row would
  -- pass the deadline if it were armed once per test
  local f = assert(io.open(tmp_path .. "/test_slow_flaky.lua", "w"))
  f:write([[
local omni = require "omni"
local clock = require "omni.core.clock"
local n = 0
omni.test("slow_flaky", { timeout = 1 }, function()
  n = n + 1
  clock.sleep(0.6)
  assert(n > 1, "first attempt fails")
end)
]])
  f:close()
  local r = omnilua_test({ tmp_path .. "/test_slow_flaky.lua", "--reruns", "1" })
  assert.equal(r.code, 0, r.stdout)
  assert.equal(r.json.tests[1].flaky, true)
end)
