-- nightly.json: expansion rules, every validation error (naming test and
-- field), and baseline directions.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local nightly = require "omni.bench.nightly"
local baseline = require "omni.bench.baseline"

local function test_with(bp, sp)
  return { { test_name = "t_x", server_params = sp or { model = "omni-dummy", stage_config_name = "dummy.yaml" },
    benchmark_params = { bp } } }
end

local function expand(data) return nightly.expand(data, "n.json") end

omni.test("scalar_is_broadcast", {}, function()
  local t = assert.not_nil(expand(test_with({ num_prompts = 10, request_rate = { 1, 2, 4 }, random_input_len = 8 })))
  local pts = t[1].points
  assert.equal(#pts, 3)
  for i, p in ipairs(pts) do
    assert.equal(p.params.num_prompts, 10)
    assert.equal(p.params.random_input_len, 8)
    assert.equal(p.mode, "qps")
  end
  assert.same({ pts[1].key, pts[2].key, pts[3].key }, { "1", "2", "4" })
end)

omni.test("arrays_zip_and_concurrency_mode", {}, function()
  local t = assert.not_nil(expand(test_with({ num_prompts = { 10, 40, 100 }, max_concurrency = { 1, 4, 10 } })))
  local pts = t[1].points
  assert.same({ pts[1].params.num_prompts, pts[2].params.num_prompts, pts[3].params.num_prompts }, { 10, 40, 100 })
  assert.same({ pts[1].params.max_concurrency, pts[3].params.max_concurrency }, { 1, 10 })
  assert.equal(pts[2].mode, "conc")
  assert.equal(pts[2].key, "4")
end)

omni.test("no_rate_means_inf", {}, function()
  local t = assert.not_nil(expand(test_with({ num_prompts = 5 })))
  assert.equal(t[1].points[1].key, "inf")
end)

omni.test("baseline_scalar_list_and_object", {}, function()
  local t = assert.not_nil(expand(test_with({ num_prompts = { 10, 40 }, request_rate = { 0.5, 1 },
    baseline = { mean_ttft_ms = 100, request_throughput = { 0.4, 0.9 }, p99_itl_ms = { ["0.5"] = 20, ["1"] = 30 } } })))
  local a, b = t[1].points[1].baseline, t[1].points[2].baseline
  assert.same(a, { mean_ttft_ms = 100, request_throughput = 0.4, p99_itl_ms = 20 })
  assert.same(b, { mean_ttft_ms = 100, request_throughput = 0.9, p99_itl_ms = 30 })
end)

omni.test("baseline_object_key_may_be_python_float", {}, function()
  local t = assert.not_nil(expand(test_with({ num_prompts = 4, max_concurrency = { 1, 4 },
    baseline = { mean_audio_rtf = { ["1.0"] = 0.2, ["4"] = 0.3 } }, ["percentile-metrics"] = "audio_rtf" })))
  assert.equal(t[1].points[1].baseline.mean_audio_rtf, 0.2)
  assert.equal(t[1].points[2].baseline.mean_audio_rtf, 0.3)
end)

-- each error: what it must say
local ERRORS = {
  { "missing_test_name", { { server_params = {}, benchmark_params = {} } }, "tests%[1%]: missing required field 'test_name'" },
  { "missing_server_params", { { test_name = "t_x", benchmark_params = { { num_prompts = 1 } } } }, "test t_x: missing required field 'server_params'" },
  { "missing_model", test_with({ num_prompts = 1 }, { stage_config_name = "dummy.yaml" }), "test t_x: missing required field 'server_params.model'" },
  { "missing_benchmark_params", { { test_name = "t_x", server_params = { model = "m", stage_config_name = "dummy.yaml" } } }, "test t_x: missing required field 'benchmark_params'" },
  { "missing_num_prompts", test_with({ request_rate = 1 }), "test t_x: benchmark_params%[1%]: missing required field 'num_prompts'" },
  { "wrong_type_num_prompts", test_with({ num_prompts = "ten" }), "test t_x: benchmark_params%[1%].num_prompts: expected an integer or a list of them, got string" },
  { "wrong_type_in_list", test_with({ num_prompts = { 1, "x" } }), "benchmark_params%[1%].num_prompts%[2%]: expected an integer, got string" },
  { "wrong_type_model", test_with({ num_prompts = 1 }, { model = 3, stage_config_name = "dummy.yaml" }), "test t_x: server_params.model: expected a string, got integer" },
  { "unequal_lengths", test_with({ num_prompts = { 1, 2, 3 }, request_rate = { 1, 2 } }), "test t_x: benchmark_params%[1%]: .* has %d values but .* has %d %(lists must have equal lengths%)" },
  { "rate_and_concurrency", test_with({ num_prompts = 1, request_rate = 1, max_concurrency = 2 }), "test t_x: benchmark_params%[1%]: request_rate and max_concurrency are mutually exclusive" },
  { "unknown_baseline_metric", test_with({ num_prompts = 1, baseline = { mean_foo_ms = 1 } }), "test t_x: benchmark_params%[1%].baseline.mean_foo_ms: unknown metric 'mean_foo_ms'" },
  { "baseline_metric_not_selected", test_with({ num_prompts = 1, baseline = { mean_audio_rtf = 1 } }), "baseline.mean_audio_rtf: unknown metric .*percentile%-metrics" },
  { "baseline_list_length", test_with({ num_prompts = { 1, 2 }, baseline = { mean_ttft_ms = { 1 } } }), "baseline.mean_ttft_ms: 1 values for 2 sweep points" },
  { "baseline_object_unknown_point", test_with({ num_prompts = 1, request_rate = 2, baseline = { mean_ttft_ms = { ["3"] = 1 } } }), "baseline.mean_ttft_ms.3: no sweep point has request_rate 3" },
  { "stage_config_not_found", test_with({ num_prompts = 1 }, { model = "m", stage_config_name = "no_such.yaml" }), "test t_x: server_params.stage_config_name: stage config not found: no_such.yaml" },
  { "bad_update", test_with({ num_prompts = 1 }, { model = "m", stage_config_name = "dummy.yaml", update = { stage_args = { ["7"] = { a = 1 } } } }), "test t_x: server_params: update.stage_args.7" },
  { "unknown_parameter", test_with({ num_prompts = 1, request_rat = 1 }), "benchmark_params%[1%].request_rat: unknown benchmark parameter" },
  { "unknown_percentile_metric", test_with({ num_prompts = 1, ["percentile-metrics"] = "ttft,bogus" }), "percentile%-metrics: unknown metric 'bogus'" },
  { "not_a_list", { test_name = "x" }, "n.json: expected a list of tests" },
}

for _, e in ipairs(ERRORS) do
  omni.test("error_" .. e[1], {}, function()
    local t, err = expand(e[2])
    assert.is_nil(t)
    assert.match(err, e[3])
    assert.match(err, "^n%.json: ")
  end)
end

omni.test("all_errors_reported_at_once", {}, function()
  local data = test_with({ num_prompts = "x" })
  data[2] = { test_name = "t_y", server_params = { model = "m", stage_config_name = "dummy.yaml" }, benchmark_params = { { num_prompts = 1, request_rate = 1, max_concurrency = 1 } } }
  local _, err = expand(data)
  assert.match(err, "test t_x")
  assert.match(err, "test t_y")
end)

omni.test("load_file_errors", {}, function(tmp_path)
  local _, err, code = nightly.load("/nonexistent/nightly.json")
  assert.equal(code, "ENOENT")
  local p = (tmp_path or os.tmpname()) .. "/bad.json"
  if not tmp_path then p = os.tmpname() end
  local f = assert(io.open(p, "w"))
  f:write("[{\"test_name\": }]")
  f:close()
  local t, e2, c2 = nightly.load(p)
  assert.is_nil(t)
  assert.equal(c2, "EJSON")
  assert.match(e2, "invalid JSON")
end)

omni.test("integers_stay_integers", {}, function()
  local p = os.tmpname()
  local f = assert(io.open(p, "w"))
  f:write(cjson.encode(test_with({ num_prompts = 3 }, { model = "omni-dummy", stage_config_name = "dummy.yaml",
    update = { stage_args = { ["0"] = { ["default_sampling_params.max_tokens"] = 64 } } } })))
  f:close()
  local t = assert.not_nil(nightly.load(p))
  os.remove(p)
  assert.equal(math.type(t[1].points[1].params.num_prompts), "integer")
  assert.equal(math.type(t[1].server.update.stage_args["0"]["default_sampling_params.max_tokens"]), "integer")
end)

omni.test("baseline_directions", {}, function()
  assert.equal(baseline.check("request_throughput", 10, 10).verdict, "PASS")
  assert.equal(baseline.check("request_throughput", 10, 9.99).verdict, "REGRESSION")
  assert.equal(baseline.check("output_throughput", 10, 11).verdict, "PASS")
  assert.equal(baseline.check("audio_throughput", 1, 0.5).verdict, "REGRESSION")
  assert.equal(baseline.check("mean_ttft_ms", 100, 100).verdict, "PASS")
  assert.equal(baseline.check("mean_ttft_ms", 100, 100.01).verdict, "REGRESSION")
  assert.equal(baseline.check("p99_audio_rtf", 0.5, 0.4).verdict, "PASS")
  assert.equal(baseline.check("mean_audio_rtf", 0.5, 0.6).verdict, "REGRESSION")
  assert.equal(baseline.check("mean_ttft_ms", 100, nil).verdict, "REGRESSION") -- missing = regression
  local rows, ok = baseline.compare({ mean_ttft_ms = 10, request_throughput = 1 }, { mean_ttft_ms = 5, request_throughput = 0.5 })
  assert.falsy(ok)
  assert.equal(rows[1].metric, "mean_ttft_ms")
  assert.equal(rows[2].verdict, "REGRESSION")
  local lines = baseline.table_lines(rows)
  assert.match(lines[1], "^metric%s+baseline%s+measured%s+verdict$")
  assert.match(lines[3], "request_throughput%s+1 >=%s+0.5%s+REGRESSION")
end)
