-- The run budget, -x and --maxfail.
local omni = require "omni"
local assert = require "omni.assert"

local S = "tests/runner/samples/"

local function count(r, outcome)
  local n = 0
  for _, t in ipairs(r.json.tests) do if t.outcome == outcome then n = n + 1 end end
  return n
end

omni.test("budget_stops_the_run_and_reports_notrun", { timeout = 60 }, function(omnilua_test)
  -- six tests of 0.4 s in a 1 s budget: a few run, the running one is
  -- stopped, the rest are "notrun" and the run fails
  local r = omnilua_test({ S .. "sample_slow.lua", "--budget", "1s" })
  assert.equal(r.code, 1)
  assert.equal(#r.json.tests, 6)
  local notrun = count(r, "notrun")
  assert.truthy(notrun >= 2, "expected tests not run, got " .. notrun)
  local stopped = 0
  for _, t in ipairs(r.json.tests) do
    if t.outcome == "notrun" then
      assert.equal(t.reason, "not run: run budget of 1s exhausted")
      assert.equal(t.cause, "budget")
    elseif t.cause == "budget" then
      stopped = stopped + 1
      assert.match(t.message, "run budget of 1s exhausted")
    end
  end
  assert.truthy(stopped <= 1)
  assert.match(r.stdout, "not run because the run budget")
  assert.match(r.stdout, notrun .. " not run in")
end)

omni.test("parse_duration_and_size", {}, function()
  local cli = require "omni.cli.test"
  assert.equal(cli.parse_duration("90s"), 90)
  assert.equal(cli.parse_duration("15m"), 900)
  assert.equal(cli.parse_duration("1h30m"), 5400)
  assert.equal(cli.parse_duration("2.5"), 2.5)
  assert.is_nil(cli.parse_duration("soon"))
  assert.equal(cli.parse_size("512M"), 512 * 2 ^ 20)
  assert.equal(cli.parse_size("2G"), 2 * 2 ^ 30)
  assert.equal(cli.parse_size("none"), 0)
  assert.is_nil(cli.parse_size("lots"))
end)

omni.test("bad_budget_is_a_usage_error", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_one.lua", "--budget", "soon" })
  assert.equal(r.code, 4)
  assert.match(r.stderr, "%-%-budget expects a duration")
end)

omni.test("exitfirst_and_maxfail_stop_early", { timeout = 60 }, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_slow.lua", "-x" })
  assert.equal(r.code, 1)
  assert.equal(#r.json.tests, 2)
  assert.equal(r.by_name.slow_2.outcome, "failed")
  r = omnilua_test({ S .. "sample_slow.lua", "-k", "slow_1 or slow_2 or slow_3", "--maxfail", "1" })
  assert.equal(#r.json.tests, 2)
end)

omni.test("per_test_timeout_option_overrides_the_flag", { timeout = 60 }, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_slow.lua", "-k", "slow_1", "--timeout", "0.1" })
  assert.equal(r.by_name.slow_1.cause, "timeout")
  assert.equal(r.by_name.slow_1.message, "timed out after 0.1 s")
  r = omnilua_test({ S .. "sample_crash.lua", "-k", "loops and not pcall", "--timeout", "100" })
  assert.equal(r.by_name.loops.message, "timed out after 1 s")
end)
