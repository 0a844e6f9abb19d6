-- Numbers read back from JSON print as integers (cjson decodes 9 as 9.0):
-- `omnilua explain` file:line, annotations, summaries, re-encoded reports.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local host = require "omni.core.host"
local results_read = require "omni.results_read"
local junit_read = require "omni.junit_read"
local ci = require "omni.ci"

local function results_file(records)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(cjson.encode({ tests = records, summary = { counts = { failed = 1, passed = 3 } } }))
  f:close()
  return path
end

local FAILED = { nodeid = "tests/e2e/test_demo_model.lua::chat_001", outcome = "failed", when = "call",
  file = "tests/e2e/test_demo_model.lua", line = 9, duration = 2, message = "connection refused" }

omni.test("read_back_numbers_are_integers", { marks = { "core_model", "cpu" } }, function()
  local res = assert(results_read.read(results_file({ FAILED })))
  local r = res.records[1]
  assert.equal(math.type(r.line), "integer")
  assert.equal(math.type(r.duration), "integer")
  assert.equal(math.type(res.summary.counts.passed), "integer")
  assert.equal(results_read.num(9.0), "9")
  assert.equal(results_read.num(0.25), "0.25")
  assert.equal(results_read.num(nil), "nil")
  assert.contains(cjson.encode(r), '"line":9')
  local x = assert(junit_read.parse('<testsuite><testcase name="t" file="a.py" line="12" time="0.5"/></testsuite>', "x.xml"))
  assert.equal(math.type(x[1].line), "integer")
end)

omni.test("annotation_and_summary_print_integers", { marks = { "core_model", "cpu" } }, function()
  local r = {}
  for k, v in pairs(FAILED) do r[k] = v end
  r.line = 9.0
  local a = ci.annotation(r)
  assert.contains(a, "line=9,")
  assert.falsy(a:find("9%.0"), a)
  local md = ci.markdown({ r }, { counts = { failed = 1.0, passed = 3.0 }, budget = { exhausted = true, notrun = 2.0 } })
  assert.contains(md, "1 failed, 3 passed")
  assert.contains(md, "2 tests not run")
  assert.contains(md, "test_demo_model.lua:9)")
  assert.falsy(md:find("%d%.0[^%d]"), md)
end)

omni.test("explain_prints_integer_lines", { marks = { "core_model", "cpu" } }, function()
  local path = results_file({ FAILED })
  local p = io.popen(host.exe .. " explain " .. path .. " 2>&1")
  local out = p:read("a")
  p:close()
  assert.contains(out, "(tests/e2e/test_demo_model.lua:9)")
  assert.falsy(out:find("9.0", 1, true), out)
  assert.contains(out, "Connection refused")
end)
