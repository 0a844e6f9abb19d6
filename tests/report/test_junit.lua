-- omni.report.junit: hand-made records written, then the file parsed back
-- by Python's xml.etree (a strict XML 1.0 parser) after every result and
-- after a reporter killed half way.
local omni = require "omni"
local A = require "omni.assert"
local cjson = require "cjson"
local junit = require "omni.report.junit"
local host = require "omni.core.host"

local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
local data = dofile(here .. "/samples/records.lua")

-- Parses the XML with Python and returns it as { suite = attrs, cases = {...} },
-- or nil and Python's error.
local PY = [[
import json, sys, xml.etree.ElementTree as E
try:
    root = E.parse(sys.argv[1]).getroot()
except Exception as e:
    print(json.dumps({"error": str(e)})); sys.exit(0)
suite = root[0]
cases = []
for c in suite:
    kids = [{"tag": k.tag, "attrib": k.attrib, "text": k.text or ""} for k in c]
    cases.append({"attrib": c.attrib, "children": kids})
print(json.dumps({"root": root.tag, "suite_tag": suite.tag, "suite": suite.attrib, "cases": cases}))
]]

local function tmpname()
  local p = os.tmpname()
  return p
end

local function parse(path)
  local p = assert(io.popen("python3 -c '" .. PY .. "' " .. path))
  local out = p:read("a")
  p:close()
  local doc = cjson.decode(out)
  if doc.error then return nil, doc.error end
  return doc
end

local function child(case, tag)
  for _, k in ipairs(case.children) do
    if k.tag == tag then return k end
  end
end

omni.test("valid_after_start_and_after_every_result", {}, function()
  local path = tmpname()
  local r = junit.new({ path = path })
  A.truthy(r:start(data.meta))
  local doc = A.not_nil(parse(path))
  A.equal(doc.suite.tests, "0")
  for i, rec in ipairs(data.records()) do
    r:result(rec)
    doc = A.not_nil(parse(path))
    A.equal(#doc.cases, i)
    A.equal(doc.suite.tests, tostring(i))
  end
  r:finish(data.summary)
  os.remove(path)
end)

omni.test("suite_and_testcase_attributes", {}, function()
  local path = tmpname()
  local r = junit.new({ path = path })
  r:start(data.meta)
  r:collect_error(data.collect_error)
  for _, rec in ipairs(data.records()) do r:result(rec) end
  r:finish(data.summary)
  local doc = A.not_nil(parse(path))
  A.equal(doc.root, "testsuites")
  A.equal(doc.suite_tag, "testsuite")
  A.equal(doc.suite.name, "omnilua")
  A.equal(doc.suite.tests, "7")
  A.equal(doc.suite.failures, "2")
  A.equal(doc.suite.errors, "2")
  A.equal(doc.suite.skipped, "2")
  A.equal(doc.suite.time, "6.750")
  A.equal(doc.suite.hostname, "ci-box")
  A.match(doc.suite.timestamp, "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.500000$")
  local pass = doc.cases[2]
  A.same(pass.attrib, { classname = "tests.x.test_a.grp", name = "square[2-x]",
    file = "tests/x/test_a.lua", line = "11", time = "0.013" })
  A.equal(#pass.children, 0)
  os.remove(path)
end)

omni.test("failure_error_skipped_children", {}, function()
  local path = tmpname()
  local r = junit.new({ path = path })
  r:start(data.meta)
  r:collect_error(data.collect_error)
  for _, rec in ipairs(data.records()) do r:result(rec) end
  r:finish(data.summary)
  local doc = A.not_nil(parse(path))
  local collect = child(doc.cases[1], "error")
  A.equal(collect.attrib.message, "collection failure")
  A.contains(collect.text, "unexpected symbol near 'x'")
  local fail = child(doc.cases[3], "failure")
  A.equal(fail.attrib.message, "Expected objects to be equal.")
  A.equal(fail.attrib.type, "failure")
  -- markup escaped, the \1 control character (invalid in XML 1.0) dropped
  A.equal(fail.text, "tests/x/test_a.lua:21: A.equal(a, b)\nExpected <&> \"q\" end")
  A.equal(child(doc.cases[3], "system-out").text, "hello out\n")
  A.equal(child(doc.cases[3], "system-err").text, "bad byte \u{FFFD} here")
  local skip = child(doc.cases[4], "skipped")
  A.same(skip.attrib, { type = "omni.skip", message = "no gpu" })
  A.equal(skip.text, "tests/x/test_b.lua:3: no gpu")
  local timeout = child(doc.cases[5], "failure")
  A.same(timeout.attrib, { type = "timeout", message = "timed out after 5 s" })
  local err = child(doc.cases[6], "error")
  A.equal(err.attrib.message, "failed on setup with \"fixture 'srv' failed: boom\"")
  A.same(child(doc.cases[7], "skipped").attrib, { type = "omni.xfail", message = "known bug" })
  os.remove(path)
end)

omni.test("notrun_is_a_skip_naming_the_budget", {}, function()
  local path = tmpname()
  local r = junit.new({ path = path })
  r:start(data.meta)
  r:result({ nodeid = "t.lua::late", file = "t.lua", line = 1, name = "late", classname = "t",
    outcome = "notrun", when = "setup", duration = 0, cause = "budget" })
  r:finish({ counts = { notrun = 1 }, duration = 1 })
  local doc = A.not_nil(parse(path))
  A.equal(doc.suite.skipped, "1")
  A.same(child(doc.cases[1], "skipped").attrib,
    { type = "omni.notrun", message = "not run: the run budget ran out" })
  os.remove(path)
end)

omni.test("killed_reporter_leaves_valid_xml", {}, function()
  local path = tmpname()
  local cmd = string.format("%s lua %s/samples/sample_killed_reporter.lua junit %s 4 2>/dev/null",
    host.exe, here, path)
  local ok, how, code = os.execute(cmd)
  A.falsy(ok)
  A.same({ how, code }, { "exit", 137 }) -- the shell reports the SIGKILL as 128 + 9
  local doc = A.not_nil(parse(path))
  A.equal(#doc.cases, 4)
  A.equal(doc.suite.tests, "4")
  A.equal(doc.suite.failures, "2")
  os.remove(path)
end)

omni.test("bad_path_and_bad_options", {}, function()
  local r = junit.new({ path = "/nonexistent-dir/x.xml" })
  local ok, err = r:start(data.meta)
  A.is_nil(ok)
  A.match(err, "^cannot write JUnit XML: /nonexistent%-dir/x%.xml")
  r:result(data.records()[1]) -- harmless once start failed
  r:finish(data.summary)
  A.raises(function() junit.new({}) end, "table with a string 'path' expected")
end)
