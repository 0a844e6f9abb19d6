-- Outcomes, ids and groups, for test_outcomes.lua.
local omni = require "omni"
local assert = require "omni.assert"

omni.test("passes", function() assert.equal(1 + 1, 2) end)
omni.test("fails", function() assert.equal(1 + 1, 3) end)
omni.test("raises", function() error("plain error") end)
omni.test("skipped_opt", { skip = "not today" }, function() end)
omni.test("skipif_true", { skipif = { true, "because" } }, function() end)
omni.test("skipif_fn", { skipif = function() return false end }, function() end)
omni.test("skipped_at_run_time", function() omni.skip("decided at run time") end)
omni.test("xfail_fails", { xfail = "known bug" }, function() error("boom") end)
omni.test("xfail_passes", { xfail = "maybe fixed" }, function() end)
omni.test("xfail_strict", { xfail = { reason = "must fail", strict = true } }, function() end)
omni.test("xfail_at_run_time", function() omni.xfail("not yet") end)
omni.test("prints", function() print("to stdout"); io.stderr:write("to stderr\n") end)
omni.group("outer", { marks = { "slow" } }, function()
  omni.group("inner", function()
    omni.test("nested", function() end)
  end)
end)
