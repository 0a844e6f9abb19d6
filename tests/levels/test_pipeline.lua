-- omni.pipeline with a fake process runner and a fake clock: includes
-- first, budget passed down and enforced (a kill in the middle of a level),
-- foreign JUnit steps, missing commands, GPU skips, worst exit code.
local omni = require "omni"
local assert = require "omni.assert"
local level = require "omni.level"
local pipeline = require "omni.pipeline"
local cjson = require "cjson"

local S = "tests/levels/samples/"

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  os.execute("mkdir -p " .. d)
  return d
end

local function arg_after(argv, flag)
  for i, a in ipairs(argv) do if a == flag then return argv[i + 1] end end
end

-- A fake `omnilua test`: writes records to --json, advances the clock.
local function fake(script)
  local t = { now = 0, calls = {} }
  t.clock = function() return t.now end
  t.exec = function(argv, o)
    local call = { argv = argv, env = o.env, timeout = o.timeout }
    t.calls[#t.calls + 1] = call
    local step = script[#t.calls] or { code = 0, seconds = 1, records = {} }
    t.now = t.now + (step.seconds or 1)
    local jf = arg_after(argv, "--json")
    if jf and step.records then
      local f = assert(io.open(jf, "w"))
      f:write(cjson.encode({ tests = step.records }))
      f:close()
    end
    return { code = step.code or 0, timed_out = step.timed_out }
  end
  return t
end

local function rec(id, outcome, extra)
  local r = { nodeid = id, outcome = outcome, duration = 1, file = id:match("^[^:]+"), when = "call", marks = {} }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

local function run(root, f, extra)
  local d = tmpdir()
  local opts = { exec = f.exec, clock = f.clock, out_dir = d, gpu = true, exe = "omnilua",
    durations_path = d .. "/durations.json", json = d .. "/all.json", out = io.open("/dev/null", "w") }
  for k, v in pairs(extra or {}) do opts[k] = v end
  local code, report = pipeline.run(root, opts)
  return code, report, d
end

omni.test("includes_run_first_with_expanded_files", { marks = { "core_model", "cpu" } }, function()
  local f = fake({
    { code = 1, records = { rec("a::passes_a", "passed"), rec("a::fails_a", "failed", { message = "boom" }) } },
    { code = 0, records = { rec("b::passes_b", "passed") } },
  })
  local code, report = run(level.load(S .. "LB.lua"), f)
  assert.equal(#f.calls, 2)
  local a1, a2 = f.calls[1].argv, f.calls[2].argv
  assert.equal(a1[2], "test")
  assert.equal(a1[3], "tests/levels/samples/suite_a/sample_a.lua")
  assert.equal(arg_after(a1, "-m"), "not advanced_model")
  assert.equal(a2[3], "tests/levels/samples/suite_b/sample_b_expansion.lua")
  assert.equal(#a2, 9, "only the expansion file: " .. table.concat(a2, " "))
  assert.equal(f.calls[1].env.OMNILUA_LEVEL, "LA")
  assert.equal(code, 1)
  assert.equal(#report.records, 3)
  assert.equal(report.records[2].level, "LA")
  assert.equal(report.records[2].category, "uncategorized")
  assert.same({ report.steps[1].status, report.steps[2].status }, { "failed", "passed" })
end)

omni.test("budget_passed_down_and_kill_mid_level", { marks = { "core_model", "cpu" } }, function()
  local root = level.validate({ name = "LK", budget = "100s", steps = {
    { tests = "tests/levels/samples/suite_a", files = "sample_*.lua", name = "one" },
    { tests = "tests/levels/samples/suite_b", files = "sample_*.lua", name = "two" },
    { command = { "true" }, name = "three" },
  } }, { file = "LK.lua" })
  root.included = {}
  local f = fake({
    { code = 0, seconds = 60, records = { rec("a::t1", "passed") } },
    { code = 1, seconds = 40, records = { rec("b::t2", "passed"),
      rec("b::t3", "notrun", { cause = "budget", message = "not run: budget exhausted" }) } },
  })
  local code, report = run(root, f)
  assert.equal(#f.calls, 2, "the third step must not start")
  assert.equal(arg_after(f.calls[1].argv, "--budget"), "100s")
  assert.equal(arg_after(f.calls[2].argv, "--budget"), "40s")
  assert.equal(code, 1)
  assert.truthy(report.budget_exhausted)
  assert.equal(report.steps[3].status, "notrun")
  local last = report.records[#report.records]
  assert.equal(last.outcome, "notrun")
  assert.equal(last.cause, "budget")
  assert.equal(last.category, "budget_exhausted")
  assert.equal(report.records[1].nodeid, "a::t1", "results of the steps that ran are kept")
  assert.equal(report.summary.budget.notrun, 2)
end)

omni.test("cli_budget_overrides_and_hung_runner_is_killed", { marks = { "core_model", "cpu" } }, function()
  local f = fake({ { code = 124, seconds = 90, timed_out = true } })
  local code, report = run(level.load(S .. "LA.lua"), f, { budget = 30 })
  assert.equal(arg_after(f.calls[1].argv, "--budget"), "30s")
  assert.equal(f.calls[1].timeout, 90, "backstop: budget + 60 s grace")
  assert.equal(code, 1)
  assert.equal(report.records[1].cause, "budget")
end)

omni.test("foreign_junit_step_is_ingested", { marks = { "core_model", "cpu" } }, function()
  local d = tmpdir()
  local out = d .. "/py.xml"
  local root = level.validate({ name = "LF", steps = {
    { command = { "cp", S .. "pytest_junit.xml", out }, junit = out },
  } }, { file = "LF.lua" })
  local code, report = pipeline.run(root, { out_dir = d, durations_path = d .. "/dur.json", gpu = true,
    out = io.open("/dev/null", "w") })
  assert.equal(code, 1)
  assert.equal(#report.records, 4)
  local by = {}
  for _, r in ipairs(report.records) do by[r.name] = r end
  assert.equal(by["test_ok"].outcome, "passed")
  assert.equal(by["test_ok"].line, 10)
  assert.equal(by["test_bad[a-1]"].outcome, "failed")
  assert.contains(by["test_bad[a-1]"].longrepr, "> ")
  assert.equal(by["test_err"].outcome, "error")
  assert.equal(by["test_skip"].outcome, "skipped")
  assert.equal(by["test_skip"].stdout, "hello <out>")
end)

omni.test("missing_command_malformed_junit_keep_earlier_results", { marks = { "core_model", "cpu" } }, function()
  local d = tmpdir()
  local root = level.validate({ name = "LM", steps = {
    { command = { "true" }, name = "ok step" },
    { command = { "cp", S .. "malformed_junit.xml", d .. "/bad.xml" }, junit = d .. "/bad.xml", name = "malformed" },
    { command = { "true" }, junit = d .. "/absent.xml", name = "absent" },
    { command = { "no-such-command-omnilua-xyz", "-q" }, name = "missing" },
  } }, { file = "LM.lua" })
  local code, report = pipeline.run(root, { out_dir = d, durations_path = d .. "/dur.json", gpu = true,
    out = io.open("/dev/null", "w") })
  assert.equal(code, 4, "a missing command is a usage error of the level file")
  assert.equal(report.records[1].outcome, "passed")
  assert.match(report.records[2].message, "bad.xml:1: closing tag </testsuite> does not match")
  assert.contains(report.records[3].message, "absent.xml not found")
  assert.contains(report.records[4].message, "command not found: no-such-command-omnilua-xyz")
end)

omni.test("perf_step_without_bench_command_is_an_error", { marks = { "core_model", "cpu" } }, function()
  local root = level.validate({ name = "LP", steps = { { perf = "tests/e2e/perf/nightly.json" } } }, { file = "LP.lua" })
  -- a build without `omnilua bench`: the command module is not on the path
  require "omni.report.json"
  local saved = package.path
  package.path = "/nonexistent/?.lua"
  local f = fake({})
  local ok, code, report = pcall(run, root, f)
  package.path = saved
  assert.truthy(ok, code)
  assert.equal(#f.calls, 0)
  assert.equal(code, 4)
  assert.contains(report.records[1].message, "`omnilua bench` is not available")
end)

omni.test("perf_step_with_missing_file_is_an_error", { marks = { "core_model", "cpu" } }, function()
  local root = level.validate({ name = "LP", steps = { { perf = "tests/e2e/perf/no_such.json" } } }, { file = "LP.lua" })
  local f = fake({})
  local code, report = run(root, f)
  assert.equal(#f.calls, 0)
  assert.equal(code, 4)
  assert.contains(report.records[1].message, "perf file not found: tests/e2e/perf/no_such.json")
end)

omni.test("missing_folder_is_a_note_not_a_crash", { marks = { "core_model", "cpu" } }, function()
  local root = level.validate({ name = "LE", steps = {
    { tests = "tests/e2e/no_such_folder", files = "test_*.lua" } } }, { file = "LE.lua" })
  local f = fake({})
  local code, report = run(root, f)
  assert.equal(#f.calls, 0)
  assert.equal(code, 5)
  assert.contains(report.steps[1].note, "no tests in tests/e2e/no_such_folder")
end)

omni.test("no_gpu_skips_gpu_steps_but_not_dummy", { marks = { "core_model", "cpu" } }, function()
  local root = level.validate({ name = "LG", hardware = "gpu", steps = {
    { command = { "true" }, name = "needs gpu" },
    { tests = "tests/levels/samples/suite_a", files = "sample_*.lua", target = "dummy", hardware = "gpu" },
  } }, { file = "LG.lua" })
  local f = fake({ { code = 0, records = { rec("a::x", "passed") } } })
  local code, report = run(root, f, { gpu = false, gpu_reason = "no usable GPU: cudaGetDeviceCount: no CUDA-capable device" })
  assert.equal(code, 0)
  assert.equal(report.records[1].outcome, "skipped")
  assert.contains(report.records[1].reason, "no usable GPU: cudaGetDeviceCount: no CUDA-capable device (level LG needs one)")
  assert.contains(report.steps[1].note, "no CUDA-capable device")
  assert.equal(#f.calls, 1, "the dummy step runs on CPU")
  assert.equal(f.calls[1].env.OMNILUA_TARGET, "dummy")
end)

omni.test("worst_exit_code", { marks = { "core_model", "cpu" } }, function()
  assert.equal(pipeline.worst(0, 5), 5)
  assert.equal(pipeline.worst(5, 1), 1)
  assert.equal(pipeline.worst(1, 2), 2)
  assert.equal(pipeline.worst(4, 2), 4)
  assert.equal(pipeline.worst(3, 4), 3)
  assert.equal(pipeline.worst(1, 0), 1)
end)

omni.test("pipeline_records_no_durations_and_forecasts_from_them", { marks = { "core_model", "cpu" } }, function()
  local recs = {
    rec("tests/levels/samples/suite_a/sample_a.lua::passes_a", "passed", { duration = 50, marks = { "core_model" } }),
    rec("tests/levels/samples/suite_a/sample_a.lua::other", "passed", { duration = 30, marks = { "core_model" } }) }
  local f = fake({ { code = 0, records = recs } })
  local root = level.load(S .. "LA.lua")
  local _, _, d = run(root, f)
  -- `omnilua test` records its tests' durations; the pipeline adds nothing
  assert.is_nil(io.open(d .. "/durations.json"), "the pipeline wrote durations")
  assert.is_nil(io.open(d .. "/durations.journal"), "the pipeline wrote durations")
  local durations = require "omni.durations"
  local db = durations.new()
  durations.record(db, recs)
  assert.equal(db.tests["tests/levels/samples/suite_a/sample_a.lua::passes_a"].mean, 50)
  local pred = pipeline.predict(root, db)
  assert.equal(pred.seconds, 80)
  assert.equal(pred.known, 2)
  local verdict, msg = durations.forecast(pred.seconds, 60, false)
  assert.equal(verdict, "warn")
  assert.contains(msg, "needs about 1m20s but the budget is 1m")
  assert.equal((durations.forecast(pred.seconds, 60, true)), "refuse")
  assert.equal((durations.forecast(pred.seconds, 120, true)), "ok")
end)

omni.test("empty_step_is_a_note_when_others_collected", { marks = { "core_model", "cpu" } }, function()
  local root = level.validate({ name = "LN", steps = {
    { tests = "tests/levels/samples/suite_a", files = "sample_*.lua", name = "runs" },
    { tests = "tests/e2e/no_such_folder", files = "test_*.lua", name = "missing folder" },
    { tests = "tests/levels/samples/suite_b", files = "sample_*.lua", name = "shard share empty" },
  } }, { file = "LN.lua" })
  -- step 3: the runner collected, but this shard's share is empty (exit 5)
  local f = fake({ { code = 0, records = { rec("a::x", "passed") } }, { code = 5, records = {} } })
  local code, report = run(root, f, { shard = "2/2" })
  assert.equal(#f.calls, 2)
  assert.equal(code, 0, "an empty step is a note, not the level's outcome")
  assert.same({ report.steps[1].status, report.steps[2].status, report.steps[3].status }, { "passed", "empty", "empty" })
  assert.contains(report.steps[2].note, "no tests in tests/e2e/no_such_folder")
  assert.contains(report.steps[3].note, "(shard 2/2)")
  -- the worst of the real outcomes still wins
  f = fake({ { code = 1, records = { rec("a::x", "failed") } }, { code = 5, records = {} } })
  code = run(root, f)
  assert.equal(code, 1)
  -- nothing collected in any step: 5, pytest's code for a whole run
  f = fake({ { code = 5, records = {} }, { code = 5, records = {} } })
  code = run(root, f)
  assert.equal(code, 5)
end)

omni.test("gpu_detection_uses_omni_gpu", { marks = { "core_model", "cpu" } }, function()
  local host = require "omni.core.host"
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write('local ok, why = require("omni.pipeline").gpu_available()\n',
    'local gok, gwhy = require("omni.gpu").available()\n',
    'print(tostring(ok) .. "|" .. tostring(why) .. "|" .. tostring(gok) .. "|" .. tostring(gwhy))\n')
  f:close()
  local function probe(env)
    local p = io.popen(env .. " " .. host.exe .. " lua " .. script .. " 2>&1")
    local out = p:read("a")
    p:close()
    local ok, why, gok, gwhy = out:match("^(%a+)|(.-)|(%a+)|(.-)\n")
    return ok, why, gok, gwhy, out
  end
  local ok, why, gok, gwhy, out = probe("env -u OMNILUA_GPU")
  assert.not_nil(ok, out)
  assert.equal(ok, gok, "without OMNILUA_GPU the answer is omni.gpu's")
  if ok == "false" then
    assert.equal(why, gwhy, "and so is the reason")
    assert.match(why, "^no usable GPU: ")
  end
  ok, why = probe("OMNILUA_GPU=0")
  assert.equal(ok, "false")
  assert.equal(why, "no usable GPU: OMNILUA_GPU=0")
  ok = probe("OMNILUA_GPU=1")
  assert.equal(ok, "true")
end)
