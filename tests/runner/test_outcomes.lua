-- Outcomes of a run as the JSON report and exit code show them.
local omni = require "omni"
local assert = require "omni.assert"

local S = "tests/runner/samples/"

omni.test("every_outcome_is_reported", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_basic.lua" })
  assert.equal(r.code, 1)
  local want = {
    passes = "passed", fails = "failed", raises = "failed", skipped_opt = "skipped",
    skipif_true = "skipped", skipif_fn = "passed", skipped_at_run_time = "skipped",
    xfail_fails = "xfailed", xfail_passes = "xpassed", xfail_strict = "failed",
    xfail_at_run_time = "xfailed", prints = "passed", nested = "passed",
  }
  for name, outcome in pairs(want) do
    assert.not_nil(r.by_name[name], "no record for " .. name)
    assert.equal(r.by_name[name].outcome, outcome, name)
  end
  assert.equal(r.by_name.skipped_opt.reason, "not today")
  assert.equal(r.by_name.skipif_true.reason, "because")
  assert.equal(r.by_name.skipped_at_run_time.reason, "decided at run time")
  assert.equal(r.by_name.xfail_fails.reason, "known bug")
  assert.match(r.by_name.xfail_strict.message, "XPASS%(strict%)")
  assert.match(r.stdout, "3 failed, 4 passed, 3 skipped, 2 xfailed, 1 xpassed in")
end)

omni.test("failure_shows_source_line_and_location", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_basic.lua", "-k", "raises or fails" })
  local raises = r.by_name.raises
  assert.match(raises.message, "plain error")
  assert.contains(raises.longrepr, 'error("plain error")')
  assert.contains(raises.longrepr, "sample_basic.lua:7")
  assert.contains(r.by_name.fails.longrepr, "assert.equal(1 + 1, 3)")
end)

omni.test("output_is_captured_per_test", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_basic.lua", "-k", "prints or passes" })
  assert.equal(r.by_name.prints.stdout, "to stdout\n")
  assert.equal(r.by_name.prints.stderr, "to stderr\n")
  assert.is_nil(r.by_name.passes.stdout)
  local s = omnilua_test({ S .. "sample_basic.lua", "-k", "prints", "-s" })
  assert.contains(s.stdout, "to stdout")
end)

omni.test("groups_make_node_ids_and_pass_marks_down", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_basic.lua", "-m", "slow" })
  assert.equal(r.code, 0)
  assert.equal(#r.json.tests, 1)
  local t = r.json.tests[1]
  assert.equal(t.nodeid, S .. "sample_basic.lua::outer::inner::nested")
  assert.equal(t.classname, "tests.runner.samples.sample_basic.outer.inner")
  assert.same(t.marks, { "core_model", "cpu", "slow" }) -- tests/runner/conftest.lua's, then the group's
end)

omni.test("exit_code_0_when_all_pass_and_5_when_nothing_selected", {}, function(omnilua_test)
  assert.equal(omnilua_test({ S .. "sample_one.lua" }).code, 0)
  local r = omnilua_test({ S .. "sample_one.lua", "-k", "nothing_matches_this" })
  assert.equal(r.code, 5)
  assert.match(r.stdout, "1 deselected")
end)
