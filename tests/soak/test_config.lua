-- weekly.json validation: every problem reported at once, each naming the
-- file, the test and the field; defaults; shortening for --duration.
local omni = require "omni"
local assert = require "omni.assert"
local config = require "omni.soak.config"
local cjson = require "cjson"

local function minimal()
  return {
    test_name = "t1",
    server_params = { model = "omni-dummy", stage_config_name = "dummy.yaml" },
    soak_params = { duration = "1h", load = { concurrency = 2 } },
    thresholds = { rss_growth_mb_per_hour = 10 },
  }
end

omni.test("valid_minimal_with_defaults", { marks = { "cpu" } }, function()
  local tests, err = config.validate({ minimal() }, "weekly.json")
  assert.not_nil(tests, err)
  local t = tests[1]
  assert.equal(t.name, "t1")
  assert.equal(t.soak.duration, 3600)
  assert.equal(t.soak.window, 600)
  assert.equal(t.soak.sampling_interval, 10)
  assert.equal(t.soak.concurrency, 2)
  assert.same(t.soak.mix, { { modality = "text", weight = 1, name = "text" } })
  assert.equal(t.thresholds.process_restarts_max, 0) -- a death is always judged
  assert.equal(t.confidence, 0.95)
  assert.equal(t.server.restart_on_death, false)
end)

omni.test("errors_name_test_and_field", { marks = { "cpu" } }, function()
  local a = minimal()
  a.soak_params.load = { concurrency = -1 }
  a.soak_params.mix = { { modality = "smell", weight = 0 } }
  a.thresholds.throughput_ratio_min = 1.5
  a.thresholds.p99_drift = 3
  local b = minimal()
  b.test_name = "t2"
  b.server_params.model = nil
  b.soak_params.duration = "forever"
  b.soak_params.load = { concurrency = 1, request_rate = 2 }
  local tests, err, code = config.validate({ a, b }, "weekly.json", ".")
  assert.is_nil(tests)
  assert.equal(code, "ECONFIG")
  local lines = {}
  for l in err:gmatch("[^\n]+") do lines[#lines + 1] = l end
  table.sort(lines)
  assert.same(lines, {
    'weekly.json: test "t1" (#1): soak_params.load.concurrency: positive integer expected, got -1',
    'weekly.json: test "t1" (#1): soak_params.mix[1].modality: unknown modality "smell" (one of text, text_audio, image, audio, video, mixed, image_generation, speech, custom)',
    'weekly.json: test "t1" (#1): soak_params.mix[1].weight: positive number expected, got 0',
    'weekly.json: test "t1" (#1): thresholds.p99_drift: unknown field (known: confidence, error_rate_max, p99_latency_drift_pct, process_restarts_max, rss_growth_mb_per_hour, throughput_ratio_min, vram_growth_mb_per_hour)',
    'weekly.json: test "t1" (#1): thresholds.throughput_ratio_min: number in (0, 1] expected, got 1.5',
    'weekly.json: test "t2" (#2): server_params.model: missing',
    'weekly.json: test "t2" (#2): soak_params.duration: invalid duration \'forever\': expected a duration such as 15m, 3h, 1h30m or 90s',
    'weekly.json: test "t2" (#2): soak_params.load: give either concurrency or request_rate, not both',
  })
end)

omni.test("duplicate_names_and_top_level", { marks = { "cpu" } }, function()
  local _, err = config.validate({ minimal(), minimal() }, "w.json")
  assert.equal(err, 'w.json: test "t1" (#2): test_name: duplicate (also test #1)')
  local _, err2 = config.validate({}, "w.json")
  assert.match(err2, "^w.json: a non%-empty JSON array of tests expected")
  local _, err3 = config.validate({ 5 }, "w.json")
  assert.equal(err3, "w.json: test #1: object expected, got number")
end)

omni.test("custom_mix_needs_hooks_and_sampling_fits_window", { marks = { "cpu" } }, function()
  local a = minimal()
  a.soak_params.mix = { { modality = "custom" } }
  a.soak_params.window = "10s"
  a.soak_params.sampling_interval = "20s"
  local _, err = config.validate({ a }, "w.json")
  assert.contains(err, 'w.json: test "t1" (#1): soak_params.hooks: missing: a "custom" mix entry needs hooks.request')
  assert.contains(err, 'w.json: test "t1" (#1): soak_params.sampling_interval: must not be longer than the window (20s > 10s)')
end)

omni.test("load_file_errors", { marks = { "cpu" } }, function(tmp_path)
  local _, err, code = config.load(tmp_path .. "/missing.json")
  assert.equal(code, "ENOENT")
  assert.contains(err, "missing.json")
  local p = tmp_path .. "/bad.json"
  local f = io.open(p, "w")
  f:write('[\n  {"test_name": "x",\n   "server_params": }\n]')
  f:close()
  local _, err2, code2 = config.load(p)
  assert.equal(code2, "EJSON")
  assert.match(err2, "bad%.json:3:%d+: invalid JSON")
end)

omni.test("shipped_weekly_json_is_valid", { marks = { "cpu" } }, function()
  local host = require "omni.core.host"
  local path = host.root .. "/tests/e2e/stability/weekly.json"
  local f = io.open(path) or io.open("tests/e2e/stability/weekly.json")
  if f then f:close() end
  local tests, err = config.load(io.open(path) and path or "tests/e2e/stability/weekly.json")
  assert.not_nil(tests, err)
  assert.equal(tests[1].soak.duration, 12 * 3600)
  -- integers stay integers (stage config edits need them)
  local doc = config.integers(cjson.decode('{"a": 64, "b": 0.5}'))
  assert.equal(math.type(doc.a), "integer")
  assert.equal(doc.b, 0.5)
end)

omni.test("scale_for_short_runs", { marks = { "cpu" } }, function()
  local tests = assert(config.validate({ minimal() }, "w.json"))
  local s = config.scale(tests[1].soak, 20)
  assert.equal(s.duration, 20)
  assert.equal(s.window, 5)
  assert.equal(s.sampling_interval, 1)
  assert.match(s.note, "shortened for a 20s run: window 5s, sampling interval 1s")
  local long = config.scale(tests[1].soak, 7200)
  assert.equal(long.window, 600)
  assert.is_nil(long.note)
end)
