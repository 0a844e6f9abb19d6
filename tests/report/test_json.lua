-- omni.report.json: records written, the file decoded after every result,
-- at the end, and after a reporter killed half way.
local omni = require "omni"
local A = require "omni.assert"
local cjson = require "cjson"
local json = require "omni.report.json"
local host = require "omni.core.host"

local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
local data = dofile(here .. "/samples/records.lua")

local helpers = dofile(here .. "/../helpers.lua")

local function read(path) return assert(helpers.read(path)) end

local function decode(path)
  local ok, doc = pcall(cjson.decode, read(path))
  if not ok then A.fail("not valid JSON: " .. tostring(doc)) end
  return doc
end

omni.test("valid_after_start_and_after_every_result", {}, function()
  local path = os.tmpname()
  local r = json.new({ path = path })
  A.truthy(r:start(data.meta))
  local doc = decode(path)
  A.equal(doc.format, "omnilua-results")
  A.equal(doc.version, 1)
  A.equal(#doc.tests, 0)
  for i, rec in ipairs(data.records()) do
    r:result(rec)
    doc = decode(path)
    A.equal(#doc.tests, i)
    A.equal(doc.tests[i].nodeid, rec.nodeid)
    A.equal(doc.summary, nil)
  end
  r:finish(data.summary)
  doc = decode(path)
  A.equal(#doc.tests, 6)
  A.same(doc.summary.counts, data.summary.counts)
  A.equal(doc.summary.exitcode, 1)
  os.remove(path)
end)

omni.test("record_and_meta_fields", {}, function()
  local path = os.tmpname()
  local r = json.new({ path = path })
  r:start(data.meta)
  r:collect_error(data.collect_error)
  for _, rec in ipairs(data.records()) do r:result(rec) end
  r:finish(data.summary)
  local text = read(path)
  local doc = cjson.decode(text)
  A.same(doc.meta.args, { "tests", "-m", "cpu" })
  A.equal(doc.meta.started_at, 1700000000.5)
  A.equal(doc.meta.markexpr, "cpu")
  A.equal(doc.tests[1].when, "collect")
  A.equal(doc.tests[1].outcome, "error")
  local pass = doc.tests[2]
  A.equal(pass.nodeid, "tests/x/test_a.lua::grp::square[2-x]")
  A.equal(pass.duration, 0.0125)
  A.same(pass.marks, { "cpu" })
  A.same(pass.params, { n = "2", s = "x" })
  A.equal(pass.line, 12)
  A.equal(pass.message, cjson.null)
  local fail = doc.tests[3]
  A.equal(fail.outcome, "failed")
  A.equal(fail.longrepr, "tests/x/test_a.lua:21: A.equal(a, b)\nExpected <&> \"q\"\1 end")
  A.equal(fail.stderr, "bad byte \u{FFFD} here") -- invalid UTF-8 replaced
  A.equal(doc.tests[5].cause, "timeout")
  -- empty marks are an array, not an object
  A.contains(text, '"marks":[]')
  -- the reader the other commands use understands the file
  local reader = require "omni.results_read"
  local parsed = A.not_nil(reader.parse(text))
  A.equal(#parsed.records, 7)
  os.remove(path)
end)

omni.test("killed_reporter_leaves_valid_json", {}, function()
  local path = os.tmpname()
  local cmd = string.format("%s lua %s/samples/sample_killed_reporter.lua json %s 5 2>/dev/null",
    host.exe, here, path)
  local ok, how, code = os.execute(cmd)
  A.falsy(ok)
  A.same({ how, code }, { "exit", 137 })
  local doc = decode(path)
  A.equal(#doc.tests, 5)
  A.equal(doc.summary, nil)
  os.remove(path)
end)

omni.test("encoder_edge_values", {}, function()
  A.equal(json.encode(0 / 0), "null")
  A.equal(json.encode(math.huge), "null")
  A.equal(json.encode(3), "3")
  A.equal(json.encode(0.1), "0.1")
  A.equal(json.encode({}), "{}")
  A.equal(json.encode({ 1, "a" }), '[1,"a"]')
  A.equal(json.encode({ b = 1, a = { marks = {} } }), '{"a":{"marks":[]},"b":1}')
  local t = {}
  t.self = t
  A.contains(json.encode(t), "null") -- cycles end in null instead of recursing forever
end)

omni.test("bad_path_and_bad_options", {}, function()
  local r = json.new({ path = "/nonexistent-dir/x.json" })
  local ok, err = r:start(data.meta)
  A.is_nil(ok)
  A.match(err, "^cannot write JSON report: /nonexistent%-dir/x%.json")
  r:result(data.records()[1])
  r:finish(data.summary)
  A.raises(function() json.new() end, "table with a string 'path' expected")
end)
