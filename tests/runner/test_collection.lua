-- Collection: errors name file:line and stop the run (exit 2) unless
-- --continue-on-collection-errors; conftest.lua fixtures and marks; each
-- file in its own environment.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local host = require "omni.core.host"

local S = "tests/runner/samples/"

omni.test("syntax_error_is_a_collection_error", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_syntax.lua", S .. "sample_one.lua" })
  assert.equal(r.code, 2)
  local e = r.json.tests[1]
  assert.equal(e.outcome, "error")
  assert.equal(e.when, "collect")
  assert.match(e.message, "sample_syntax.lua:3: unexpected symbol near '='")
  assert.equal(#r.json.tests, 1, "nothing runs after a collection error")
  assert.match(r.stdout, "Interrupted: 1 error during collection")
end)

omni.test("continue_on_collection_errors_runs_the_rest", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_syntax.lua", S .. "sample_load_error.lua", S .. "sample_one.lua",
    "--continue-on-collection-errors" })
  assert.equal(r.code, 1)
  assert.equal(r.by_name.only.outcome, "passed")
  local load = r.by_name["sample_load_error.lua"]
  assert.match(load.message, "sample_load_error.lua:3: load failed here")
end)

omni.test("unregistered_mark_is_an_error_naming_it", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_unknown_mark.lua" })
  assert.equal(r.code, 2)
  assert.match(r.json.tests[1].message, "sample_unknown_mark.lua:2: test 'marked' uses unregistered mark 'no_such_mark'")
end)

omni.test("conftest_fixtures_marks_and_private_globals", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "marks_dir/sample_uses_conftest.lua", S .. "marks_dir/sample_second.lua",
    "-m", "custom_mark or not custom_mark" })
  assert.equal(r.code, 0, r.stdout)
  assert.equal(r.by_name.custom.outcome, "passed")
  assert.equal(r.by_name.globals_do_not_leak.outcome, "passed")
end)

omni.test("directories_collect_test_files_only", {}, function(omnilua_test, tmp_path)
  -- samples/ holds sample_*.lua only: a folder walk finds no tests
  local r = omnilua_test({ S })
  assert.equal(r.code, 5)
  assert.match(r.stdout, "no tests ran")
  local f = assert(io.open(tmp_path .. "/test_found.lua", "w"))
  f:write('require("omni").test("found", function() end)\n')
  f:close()
  assert.equal(assert(io.open(tmp_path .. "/helper.lua", "w")):write("error('not a test file')"):close(), true)
  r = omnilua_test({ tmp_path })
  assert.equal(r.code, 0)
  assert.equal(#r.json.tests, 1)
end)

omni.test("markers_command_lists_defaults_and_registered", {}, function()
  local r = assert(proc.run({ host.exe, "markers", S .. "marks_dir" }, { timeout = 30 }))
  assert.equal(r.code, 0)
  for _, name in ipairs({ "core_model", "advanced_model", "cpu", "gpu", "slow", "benchmark", "omni", "diffusion" }) do
    assert.match(r.stdout, "@omni%.mark%." .. name .. ": %S")
  end
  assert.contains(r.stdout, "@omni.mark.custom_mark: a mark registered by a sample conftest")
end)

omni.test("dsl_rejects_bad_definitions", {}, function()
  assert.raises(function() omni.test("x", function() end) end, "may only be called while omnilua loads")
  local context = require "omni.runner.context"
  local saved_scope, saved_file = context.scope, context.file
  context.scope = context.new_scope("file", nil, { tests = {} })
  context.file = context.scope
  local ok, err = pcall(function()
    assert.raises(function() omni.test("x", { bogus = 1 }, function() end) end, "unknown option 'bogus'")
    assert.raises(function() omni.test("x", {}, "not a function") end, "must be a function")
    assert.raises(function() omni.fixture("f", { scope = "galaxy" }, function() end) end, "scope must be")
    assert.raises(function() omni.indirect(5) end, "expects a list")
  end)
  context.scope, context.file = saved_scope, saved_file
  assert.truthy(ok, err)
end)
