-- Report files exist, parse and agree with the console; --durations.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"

local S = "tests/runner/samples/"

omni.test("junit_and_json_files_are_written", {}, function(omnilua_test, tmp_path)
  local xml = tmp_path .. "/out.xml"
  local r = omnilua_test({ S .. "sample_basic.lua", "--junitxml", xml })
  assert.equal(r.code, 1)
  local text = assert(io.open(xml)):read("a")
  assert.match(text, '^<%?xml version="1.0" encoding="utf%-8"%?>')
  assert.match(text, "<testsuites>.*</testsuites>%s*$")
  assert.match(text, 'tests="13"')
  assert.match(text, '<testcase classname="tests.runner.samples.sample_basic" name="fails"')
  assert.equal(r.json.format, "omnilua-results")
  assert.equal(#r.json.tests, 13)
  assert.equal(r.json.summary.exitcode, 1)
  assert.equal(r.json.meta.collected, 13)
  assert.equal(r.json.meta.run_level, "core_model")
end)

omni.test("run_level_and_config_reach_tests", {}, function(omnilua_test, tmp_path)
  local f = assert(io.open(tmp_path .. "/test_level.lua", "w"))
  f:write([[
local omni = require "omni"
omni.test("level", function(request, run_level)
  assert(run_level == "advanced_model" and request.run_level == run_level)
  assert(request.config.answer == "42")
end)
]])
  f:close()
  local r = omnilua_test({ tmp_path .. "/test_level.lua", "--run-level", "advanced_model", "-o", "answer=42" })
  assert.equal(r.code, 0, r.stdout)
  assert.equal(r.json.meta.run_level, "advanced_model")
  r = omnilua_test({ tmp_path .. "/test_level.lua", "--run-level", "expert" })
  assert.equal(r.code, 4)
end)

omni.test("durations_lists_the_slowest", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_slow.lua", "-k", "slow_1 or slow_3", "--durations", "1" })
  assert.match(r.stdout, "slowest 1 durations")
  assert.match(r.stdout, "0%.4%ds total +" .. S:gsub("%p", "%%%0") .. "sample_slow.lua::slow_")
end)

omni.test("json_report_is_valid_json", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_params.lua" })
  local text = assert(io.open(r.json_path)):read("a")
  assert.truthy(pcall(cjson.decode, text))
end)
