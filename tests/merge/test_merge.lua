-- omnilua merge: shards' JSON and JUnit joined into one report, round trip
-- through the real reporters, durations merged across shards.
local omni = require "omni"
local assert = require "omni.assert"
local merge = require "omni.cli.merge"
local results_read = require "omni.results_read"
local junit_read = require "omni.junit_read"
local durations = require "omni.durations"

local function tmp() local p = os.tmpname(); os.remove(p); os.execute("mkdir -p " .. p); return p end

local function rec(id, outcome, d)
  return { nodeid = id, outcome = outcome, duration = d or 1, file = id:match("^[^:]+"), line = 3,
    name = id:match("::(.*)$"), classname = "x", when = "call", marks = { "cpu" }, params = {},
    message = outcome == "failed" and "connection refused to 127.0.0.1:8000" or nil }
end

local function write_shard(path, recs)
  local ok, json = pcall(require, "omni.report.json")
  if not ok then
    local f = assert(io.open(path, "w")); f:write(require("cjson").encode({ tests = recs })); f:close()
    return
  end
  local r = json.new({ path = path })
  r:start({ rootdir = ".", args = {}, started_at = os.time(), collected = #recs, deselected = 0 })
  for _, x in ipairs(recs) do r:result(x) end
  r:finish({ counts = {}, duration = 1, exitcode = 0 })
end

omni.test("merge_round_trip", { marks = { "core_model", "cpu" } }, function()
  local d = tmp()
  write_shard(d .. "/s1.json", { rec("a.lua::one", "passed", 2), rec("a.lua::two", "failed", 3) })
  write_shard(d .. "/s2.json", { rec("b.lua::three", "passed", 4), rec("b.lua::four", "skipped", 0) })
  local code = merge.main({ "--durations-file", d .. "/dur.json", d .. "/all", d .. "/s1.json", d .. "/s2.json" })
  assert.equal(code, 1, "a failed test in a shard fails the merged report")
  local out = assert(results_read.read(d .. "/all.json"))
  assert.equal(#out.records, 4)
  local ids = {}
  for _, r in ipairs(out.records) do ids[#ids + 1] = r.nodeid end
  assert.same(ids, { "a.lua::one", "a.lua::two", "b.lua::three", "b.lua::four" })
  local db = durations.load(d .. "/dur.json")
  assert.equal(db.tests["b.lua::three"].mean, 4)
  assert.is_nil(db.tests["b.lua::four"], "skipped tests say nothing about duration")
  if package.searchpath("omni.report.junit", package.path) then
    local x = assert(junit_read.read(d .. "/all.xml"))
    assert.equal(#x, 4)
  end
end)

omni.test("merge_junit_inputs_and_errors", { marks = { "core_model", "cpu" } }, function()
  local d = tmp()
  local code = merge.main({ "--no-durations", "--json", d .. "/m.json", "tests/levels/samples/pytest_junit.xml" })
  assert.equal(code, 1)
  assert.equal(#assert(results_read.read(d .. "/m.json")).records, 4)
  assert.equal(merge.main({ "--no-durations", d .. "/x", "tests/levels/samples/malformed_junit.xml" }), 4)
  assert.equal(merge.main({ "--no-durations", d .. "/x", d .. "/absent.json" }), 4)
end)

omni.test("merge_extension_point", { marks = { "core_model", "cpu" } }, function()
  local got
  merge.register("histogram", { match = function(p) return p:match("%.hist$") end,
    merge = function(paths) got = paths; return 0 end })
  local code = merge.main({ "/tmp/out", "a.hist", "b.hist" })
  table.remove(merge.mergers)
  assert.same(got, { "a.hist", "b.hist" })
  assert.equal(code, 0)
end)

omni.test("durations_merge_across_shards", { marks = { "core_model", "cpu" } }, function()
  local a, b = durations.new(), durations.new()
  durations.record(a, { rec("x::t", "passed", 2) })
  durations.record(b, { rec("x::t", "passed", 4), rec("y::u", "failed", 1) })
  durations.merge(a, b)
  assert.equal(a.tests["x::t"].mean, 3)
  assert.equal(a.tests["x::t"].n, 2)
  assert.equal(a.tests["y::u"].mean, 1)
  local p = durations.predict(a, { "x::t", "y::u", "z::new" })
  assert.equal(p.known, 2)
  assert.equal(p.unknown, 1)
  assert.equal(p.seconds, 3 + 1 + 2, "an unknown test weighs the median")
end)
