-- `omnilua run` end to end with the real runner on sample level files:
-- combined JSON, worst exit code, a budget kill in the middle of a level,
-- usage errors (exit 4) for bad level files.
local omni = require "omni"
local assert = require "omni.assert"
local host = require "omni.core.host"
local results_read = require "omni.results_read"

local have_runner = package.searchpath("omni.cli.test", package.path) ~= nil

local function run(args, env)
  local d = os.tmpname()
  os.remove(d)
  local cmd = string.format((env and (env .. " ") or "") .. "%s run %s --out-dir %s/run --durations-file %s/d.json --json %s/all.json -q >%s.log 2>&1",
    host.exe, args, d, d, d, d)
  local _, _, code = os.execute("mkdir -p " .. d .. " && " .. cmd)
  local log = io.open(d .. ".log"):read("a")
  local jf = io.open(d .. "/all.json")
  local raw = jf and jf:read("a") or ""
  if jf then jf:close() end
  return code, results_read.read(d .. "/all.json"), log, raw
end

omni.test("run_sample_level_with_include", { marks = { "core_model", "cpu" },
  skip = not have_runner, reason = "omnilua test is not built yet" }, function()
  local code, res, log, raw = run("tests/levels/samples/LB.lua")
  assert.equal(code, 1, log)
  assert.contains(raw, '"line":3', "line numbers stay integers in the combined JSON")
  assert.falsy(raw:find('"line":%d+%.0'), raw)
  local ids = {}
  for _, r in ipairs(res.records) do ids[#ids + 1] = r.nodeid end
  assert.same(ids, { "tests/levels/samples/suite_a/sample_a.lua::passes_a",
    "tests/levels/samples/suite_a/sample_a.lua::fails_a",
    "tests/levels/samples/suite_b/sample_b_expansion.lua::passes_b" })
  -- the end: steps table, categories, one closing line (the last line)
  local tail = log:sub((assert(log:find("== steps", 1, true), log)))
  local closing = {}
  for l in tail:gmatch("[^\n]+") do
    if l:match("%d+ %a+.* in [%d.]+s") then closing[#closing + 1] = l end
    assert.falsy(l:match("^[%.Fs]+%s+%[100%%%]"), "no progress line replayed at the end: " .. l)
  end
  assert.equal(#closing, 1, tail)
  assert.match(closing[1], "^1 failed, 2 passed in [%d.]+s$")
  assert.match(log, "1 failed, 2 passed in [%d.]+s\n$", "the closing line is the last line")
  assert.contains(tail, "LA   failed")
  assert.contains(tail, "Uncategorized failure              1  docs/ci/failures.md#uncategorized")
end)

omni.test("budget_kill_mid_level_end_to_end", { marks = { "core_model", "cpu" }, timeout = 60,
  skip = not have_runner, reason = "omnilua test is not built yet" }, function()
  local code, res, log = run("tests/levels/samples/LC.lua")
  assert.equal(code, 1, log)
  local last = res.records[#res.records]
  assert.equal(last.nodeid, "LC::never reached")
  assert.equal(last.outcome, "notrun")
  assert.equal(last.cause, "budget")
  assert.equal(res.records[1].outcome, "passed", "results before the kill are kept")
  assert.contains(log, "budget exhausted")
end)

omni.test("bad_level_files_are_usage_errors", { marks = { "core_model", "cpu" } }, function()
  local code, _, log = run("tests/levels/samples/bad/Lfield.lua")
  assert.equal(code, 4)
  assert.contains(log, "Lfield.lua:7: steps[2].file: unknown field 'file'")
  code, _, log = run("NoSuchLevel")
  assert.equal(code, 4)
  assert.contains(log, "known levels: L1, L2, L3, L4, L5")
  code, _, log = run("L3 --budget 30minutes")
  assert.equal(code, 4)
  assert.contains(log, "invalid budget")
  code, _, log = run("L3 --shard 3/2")
  assert.equal(code, 4)
end)

omni.test("empty_steps_are_notes_end_to_end", { marks = { "core_model", "cpu" }, timeout = 60,
  skip = not have_runner, reason = "omnilua test is not built yet" }, function()
  local code, res, log = run("tests/levels/samples/LD.lua")
  assert.equal(code, 0, log)
  assert.equal(#res.records, 1)
  assert.contains(log, "note: no tests in tests/levels/samples/no_such_folder (folder not found)")
  assert.contains(log, "note: no tests selected in tests/levels/samples/suite_a")
  -- one test in all: one shard runs it (0), the other collects nothing at all (5)
  local c1, _, log1 = run("tests/levels/samples/LD.lua --shard 1/2")
  local c2, _, log2 = run("tests/levels/samples/LD.lua --shard 2/2")
  table.sort({ c1, c2 })
  local codes = { math.min(c1, c2), math.max(c1, c2) }
  assert.same(codes, { 0, 5 }, log1 .. "\n" .. log2)
end)

omni.test("no_gpu_skip_carries_the_reason_end_to_end", { marks = { "core_model", "cpu" }, timeout = 60,
  skip = not have_runner, reason = "omnilua test is not built yet" }, function()
  local code, res, log = run("tests/levels/samples/LG.lua", "OMNILUA_GPU=0")
  assert.equal(code, 0, log)
  assert.equal(res.records[1].outcome, "skipped")
  assert.equal(res.records[1].reason, "no usable GPU: OMNILUA_GPU=0 (level LG needs one)")
  assert.equal(res.records[2].outcome, "passed", "the dummy step runs on CPU")
  assert.contains(log, "note: no usable GPU: OMNILUA_GPU=0: GPU steps are skipped")
  code, _, log = run("tests/levels/samples/LG.lua --require-gpu", "OMNILUA_GPU=0")
  assert.equal(code, 4)
  assert.contains(log, "(--require-gpu): no usable GPU: OMNILUA_GPU=0")
end)

-- `omnilua test` records each step's tests (its journal line); the level
-- pipeline used to record them again, so one level run counted each test
-- twice. An included level and its includer each run their own tests.
omni.test("one_level_run_records_each_test_once", { marks = { "core_model", "cpu" },
  skip = not have_runner, reason = "omnilua test is not built yet" }, function(tmp_path)
  local function write(path, text)
    local f = assert(io.open(tmp_path .. "/" .. path, "w"))
    f:write(text)
    f:close()
  end
  os.execute("mkdir -p " .. tmp_path .. "/suite_a " .. tmp_path .. "/suite_b")
  write("suite_a/test_a.lua", 'local omni = require "omni"\nomni.test("a1", function() end)\nomni.test("a2", function() error("x") end)\n')
  write("suite_b/test_b.lua", 'local omni = require "omni"\nomni.test("b1", function() end)\n')
  write("LX.lua", 'return omni.level { name = "LX", budget = "2m", steps = { { tests = "suite_a" } } }\n')
  write("LY.lua", 'return omni.level { name = "LY", includes = { "LX" }, budget = "2m", steps = { { tests = "suite_b" } } }\n')
  local cmd = string.format("cd %s && %s run LY.lua --out-dir run -q >run.log 2>&1", tmp_path, host.exe)
  local _, _, code = os.execute(cmd)
  local log = io.open(tmp_path .. "/run.log"):read("a")
  assert.equal(code, 1, log)
  local db = require("omni.durations").load(tmp_path .. "/.omnilua/durations.json")
  local n = {}
  for id, e in pairs(db.tests) do n[id] = e.n end
  assert.same(n, { ["suite_a/test_a.lua::a1"] = 1, ["suite_a/test_a.lua::a2"] = 1, ["suite_b/test_b.lua::b1"] = 1 })
  -- a second run: twice each
  os.execute(cmd)
  db = require("omni.durations").load(tmp_path .. "/.omnilua/durations.json")
  assert.equal(db.tests["suite_b/test_b.lua::b1"].n, 2)
end)
