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
  -- a 0.4 s sleep: at least 0.4 s, more on a loaded machine
  assert.match(r.stdout, "%d%.%d%ds total +" .. S:gsub("%p", "%%%0") .. "sample_slow.lua::slow_")
end)

omni.test("json_report_is_valid_json", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_params.lua" })
  local text = assert(io.open(r.json_path)):read("a")
  assert.truthy(pcall(cjson.decode, text))
end)

omni.test("batched_report_files_stay_valid_and_complete_at_finish", {}, function(tmp_path)
  -- what the runner uses: a write at most every 50 ms, the rest at finish
  local clock = require "omni.core.clock"
  for _, kind in ipairs({ "json", "junit" }) do
    local path = tmp_path .. "/r." .. kind
    local r = require("omni.report." .. kind).new({ path = path, flush_interval = 0.05 })
    r:start({ started_at = 0 })
    local function text() return assert(io.open(path)):read("a") end
    local function count()
      local t = text()
      if kind == "json" then return #cjson.decode(t).tests end
      assert.match(t, "</testsuites>%s*$")
      local n = 0
      for _ in t:gmatch("<testcase ") do n = n + 1 end
      return n
    end
    for i = 1, 200 do
      r:result({ nodeid = "f::t" .. i, name = "t" .. i, outcome = "passed", when = "call", duration = 0 })
      assert.truthy(count() <= i) -- valid at every point, maybe behind
    end
    assert.truthy(count() < 200, kind .. ": nothing batched")
    clock.sleep(0.06)
    r:result({ nodeid = "f::late", name = "late", outcome = "passed", when = "call", duration = 0 })
    assert.equal(count(), 201, kind .. ": written once the interval passed")
    r:result({ nodeid = "f::last", name = "last", outcome = "failed", when = "call", duration = 0 })
    r:finish({ counts = { passed = 201, failed = 1 }, duration = 0.1 })
    assert.equal(count(), 202, kind)
  end
end)
