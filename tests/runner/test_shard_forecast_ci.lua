-- Issue 5's pieces wired into `omnilua test`: --shard K/N, the durations
-- file and the budget forecast, failure categories, CI output, and the JSON
-- reporter keeping extra record fields.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local durations = require "omni.durations"
local fs = require "omni.core.fs"

local S = "tests/runner/samples/"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/runner"
local helpers = dofile(HERE .. "/../helpers.lua")
local read, write = helpers.read, helpers.write

-- A suite of 4 files; two of them use an expensive fixture (omni_server)
-- with three parameter values.
local function server_suite(dir)
  write(dir .. "/conftest.lua", [[
local omni = require "omni"
omni.fixture("omni_server", { scope = "session" }, function(request) return request.param end)
]])
  for f = 1, 2 do
    local lines = { 'local omni = require "omni"' }
    for t = 1, 3 do
      lines[#lines + 1] = string.format(
        'omni.test("srv_%d_%d", { params = { omni_server = omni.indirect({ "a", "b", "c" }) } }, function(omni_server) end)',
        f, t)
    end
    write(dir .. "/test_srv" .. f .. ".lua", table.concat(lines, "\n") .. "\n")
  end
  for f = 1, 2 do
    local lines = { 'local omni = require "omni"' }
    for t = 1, 5 do lines[#lines + 1] = string.format('omni.test("plain_%d_%d", function() end)', f, t) end
    write(dir .. "/test_plain" .. f .. ".lua", table.concat(lines, "\n") .. "\n")
  end
end

omni.test("shards_split_everything_once_and_keep_servers_together", { timeout = 60 },
  function(omnilua_test, tmp_path)
    server_suite(tmp_path)
    local seen, server_shard = {}, {}
    for k = 1, 3 do
      local r = omnilua_test({ ".", "--shard", k .. "/3", "-q" }, { cwd = tmp_path })
      assert.equal(r.code, 0, r.stdout .. r.stderr)
      assert.equal(r.json.meta.deselected + #r.json.tests, 28)
      assert.match(r.stdout, string.format("%d deselected", r.json.meta.deselected))
      for _, t in ipairs(r.json.tests) do
        assert.is_nil(seen[t.nodeid], "in two shards: " .. t.nodeid)
        seen[t.nodeid] = k
        local p = t.params.omni_server
        if p then
          assert.equal(server_shard[p] or k, k, "server " .. p .. " split across shards")
          server_shard[p] = k
        end
      end
    end
    local n = 0
    for _ in pairs(seen) do n = n + 1 end
    assert.equal(n, 28)
    -- deterministic: the same shard twice gives the same tests
    local a = omnilua_test({ ".", "--shard", "2/3", "--co", "-q" }, { cwd = tmp_path })
    local b = omnilua_test({ ".", "--shard", "2/3", "--co", "-q" }, { cwd = tmp_path })
    assert.equal(a.stdout:gsub("in [%d.]+s", ""), b.stdout:gsub("in [%d.]+s", ""))
  end)

omni.test("bad_shard_is_a_usage_error", {}, function(omnilua_test)
  for _, bad in ipairs({ "4/3", "0/2", "x", "1/0" }) do
    local r = omnilua_test({ S .. "sample_one.lua", "--shard", bad })
    assert.equal(r.code, 4, bad)
    assert.match(r.stderr, "^ERROR: omnilua test: %-%-shard: invalid shard")
  end
end)

omni.test("durations_are_recorded_and_forecast_warns_or_refuses", { timeout = 60 },
  function(omnilua_test, tmp_path)
    write(tmp_path .. "/test_t.lua", [[
local omni = require "omni"
omni.test("a", function() end)
omni.test("b", function() error("no") end)
omni.test("c", { skip = "later" }, function() end)
]])
    local r = omnilua_test({ "test_t.lua", "-q" }, { cwd = tmp_path })
    assert.equal(r.code, 1)
    -- a run appends to the journal; loading folds it into durations.json
    local dpath = tmp_path .. "/.omnilua/durations.json"
    assert.is_nil(read(dpath), "a run does not rewrite durations.json")
    assert.not_nil(read(tmp_path .. "/.omnilua/durations.journal"), "no journal")
    local db = durations.load(dpath)
    assert.not_nil(read(dpath), "load folds the journal into the file")
    assert.is_nil(read(tmp_path .. "/.omnilua/durations.journal"), "and the journal is gone")
    assert.equal(db.tests["test_t.lua::a"].n, 1)
    assert.equal(db.tests["test_t.lua::b"].n, 1)
    assert.is_nil(db.tests["test_t.lua::c"], "a skipped test says nothing about its duration")
    -- pretend both take a minute (each run records again: set it each
    -- time, and drop what the last run appended to the journal)
    local function minute_each()
      for _, id in ipairs({ "test_t.lua::a", "test_t.lua::b" }) do
        db.tests[id].mean, db.tests[id].n = 60, 1
      end
      write(dpath, cjson.encode(db))
      os.remove(tmp_path .. "/.omnilua/durations.journal")
    end
    minute_each()
    r = omnilua_test({ "test_t.lua::a", "test_t.lua::b", "--budget", "90s", "-q" }, { cwd = tmp_path })
    assert.equal(r.code, 1)
    assert.match(r.stderr, "WARNING: forecast: the selection needs about 2m but the budget is 1m30s")
    assert.match(r.stderr, "2 of 2 selected tests recorded")
    assert.equal(#r.json.tests, 2, "a warning does not stop the run")
    minute_each()
    r = omnilua_test({ "test_t.lua::a", "test_t.lua::b", "--budget", "90s", "--strict-budget" }, { cwd = tmp_path })
    assert.equal(r.code, 4)
    assert.match(r.stderr, "ERROR: forecast: the selection needs about 2m but the budget is 1m30s.*refusing to start")
    assert.is_nil(r.json, "nothing ran")
    r = omnilua_test({ "test_t.lua::a", "--budget", "90s", "--strict-budget", "-q" }, { cwd = tmp_path })
    assert.equal(r.code, 0, r.stderr)
    assert.falsy(r.stderr:find("forecast", 1, true))
    r = omnilua_test({ "test_t.lua", "--strict-budget" }, { cwd = tmp_path })
    assert.equal(r.code, 4)
    assert.match(r.stderr, "%-%-strict%-budget needs %-%-budget")
    -- entries of test files that are gone are dropped; --no-durations writes nothing
    db.tests["gone.lua::x"] = { mean = 1, n = 1, file = "gone.lua" }
    minute_each()
    r = omnilua_test({ "test_t.lua::a", "-q" }, { cwd = tmp_path })
    db = durations.load(dpath)
    assert.is_nil(db.tests["gone.lua::x"])
    assert.equal(db.tests["test_t.lua::a"].n, 2)
    local before = read(dpath)
    r = omnilua_test({ "test_t.lua::a", "-q", "--no-durations" }, { cwd = tmp_path })
    assert.equal(r.code, 0)
    assert.equal(read(dpath), before)
    assert.is_nil(read(tmp_path .. "/.omnilua/durations.journal"), "--no-durations appends nothing")
  end)

omni.test("failed_records_carry_a_category_in_json_and_console", { timeout = 60 },
  function(omnilua_test)
    local r = omnilua_test({ S .. "sample_crash.lua", "-k", "segfault or loops and not pcall or before",
      "--timeout-grace", "1" }, { env = { COLUMNS = "200" } })
    assert.equal(r.code, 1)
    local b = r.by_name
    assert.equal(b.segfault.category, "crash_signal")
    assert.equal(b.segfault.category_link, "docs/ci/failures.md#crash-by-signal")
    assert.equal(b.loops.category, "timeout")
    assert.is_nil(b.before.category)
    assert.match(r.stdout, "FAILED [^\n]*::segfault %- %[crash_signal%] worker crashed")
    assert.match(r.stdout, "category: timeout %(see docs/ci/failures.md#timeout%)")
    r = omnilua_test({ S .. "sample_syntax.lua" })
    assert.equal(r.json.tests[1].category, "collection_error")
  end)

omni.test("github_annotations_and_step_summary", { timeout = 60 }, function(omnilua_test, tmp_path)
  local summary = tmp_path .. "/summary.md"
  local r = omnilua_test({ S .. "sample_basic.lua::passes", S .. "sample_basic.lua::fails", "-q" },
    { env = { GITHUB_ACTIONS = "true", GITHUB_STEP_SUMMARY = summary } })
  assert.equal(r.code, 1)
  assert.match(r.stdout, "\n::error file=tests/runner/samples/sample_basic.lua,line=6,title=failed%%3A tests/runner/samples/sample_basic.lua%%3A%%3Afails::Expected objects to be equal")
  local md = read(summary)
  assert.not_nil(md, "no step summary")
  assert.match(md, "## omnilua results")
  assert.match(md, "%*%*1 failed, 1 passed, 11 deselected%*%*")
  assert.match(md, "| `tests/runner/samples/sample_basic.lua::fails`")
  -- outside GitHub Actions: no annotations
  r = omnilua_test({ S .. "sample_basic.lua", "-k", "fails", "-q" }, { env = { GITHUB_ACTIONS = "false" } })
  assert.falsy(r.stdout:find("::error", 1, true))
end)

omni.test("json_reporter_keeps_extra_fields_after_the_fixed_ones", {}, function(tmp_path)
  local json = require "omni.report.json"
  local path = tmp_path .. "/r.json"
  local j = json.new({ path = path })
  j:start({})
  j:result({ nodeid = "x::t", outcome = "passed", when = "call", duration = 0.5, flaky = true, reruns = 1,
    rerun_failures = { { outcome = "failed", message = "m" } }, category = "flaky",
    category_link = "docs/ci/failures.md#flaky-pass-on-rerun", level = "L3", step = "unit" })
  j:finish({ counts = {} })
  local text = read(path)
  local d = cjson.decode(text)
  local t = d.tests[1]
  assert.equal(t.flaky, true)
  assert.equal(t.reruns, 1)
  assert.equal(t.rerun_failures[1].message, "m")
  assert.equal(t.level, "L3")
  assert.equal(t.step, "unit")
  assert.equal(t.category_link, "docs/ci/failures.md#flaky-pass-on-rerun")
  -- the fixed fields come first, the extra ones after, sorted
  local line = text:match('{"nodeid"[^\n]*')
  assert.truthy(line:find('"stderr":null,"category":"flaky"', 1, true), line)
  assert.truthy(line:find('"rerun_failures":.*"step":"unit"'), line)
end)
