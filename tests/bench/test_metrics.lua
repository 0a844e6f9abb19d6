-- Metric computation on hand-made traces, with the numbers worked out by
-- hand from the reference's definitions (vllm bench serve calculate_metrics).
local omni = require "omni"
local assert = require "omni.assert"
local load = require "omni.core.load"
local run = require "omni.bench.run"
local console = require "omni.bench.console"
local result = require "omni.bench.result"

local TRACE = {
  { success = true, start_s = 0, intended_s = 0, ttft_s = 0.1, latency_s = 0.5, itl_s = { 0.2, 0.2 }, prompt_len = 10, output_len = 3 },
  { success = false, start_s = 0.1, intended_s = 0.1, ttft_s = 0, latency_s = 0, itl_s = {}, prompt_len = 7 },
  { success = true, start_s = 0.25, intended_s = 0.25, ttft_s = 0.2, latency_s = 0.2, itl_s = {}, prompt_len = 5, output_len = 1 },
}

local function compute(trace, extra)
  local o = { duration = 2, percentiles = { 50, 99 } }
  for k, v in pairs(extra or {}) do o[k] = v end
  return load.compute(trace, o)
end

omni.test("totals_and_throughputs", {}, function()
  local m = compute(TRACE)
  assert.equal(m.completed, 2)
  assert.equal(m.failed, 1)
  assert.equal(m.total_input_tokens, 15) -- failures' prompts are not counted
  assert.equal(m.total_output_tokens, 4)
  assert.equal(m.request_throughput, 1.0)
  assert.equal(m.output_throughput, 2.0)
  assert.equal(m.total_token_throughput, 9.5)
  assert.same(m.output_lens, { 3, 0, 1 })
  assert.is_nil(m.request_goodput)
end)

omni.test("latency_stats_exact", {}, function()
  local s = compute(TRACE).stats
  assert.near(s.ttft.mean, 150, 1e-9)
  assert.near(s.ttft.median, 150, 1e-9)
  assert.near(s.ttft.std, 50, 1e-9)
  assert.near(s.ttft.percentiles[2], 199, 1e-9) -- 0.1 + 0.99 * 0.1 s, numpy "linear"
  assert.near(s.tpot.mean, 200, 1e-9) -- (0.5 - 0.1) / (3 - 1); the 1-token request has none
  assert.equal(s.tpot.count, 1)
  assert.equal(s.itl.count, 2)
  assert.near(s.itl.mean, 200, 1e-9)
  assert.near(s.e2el.mean, 350, 1e-9)
  assert.near(s.e2el.std, 150, 1e-9)
  assert.near(s.e2el.percentiles[1], 350, 1e-9)
end)

omni.test("empty_series_are_zero", {}, function()
  local m = compute({ { success = false, start_s = 0, itl_s = {} } })
  assert.equal(m.completed, 0)
  assert.equal(m.stats.ttft.mean, 0)
  assert.equal(m.stats.ttft.percentiles[2], 0)
  assert.equal(m.max_output_tokens_per_s, 0)
  assert.equal(m.max_concurrent_requests, 0)
end)

omni.test("peaks", {}, function()
  local m = compute(TRACE)
  -- token times 0.1, 0.3, 0.5 (request 1) and 0.45 (request 3): all in the first second
  assert.equal(m.max_output_tokens_per_s, 4.0)
  -- [0, 0.5) and [0.25, 0.45) overlap
  assert.equal(m.max_concurrent_requests, 2)
  local m2 = compute({
    { success = true, start_s = 0, ttft_s = 0.5, latency_s = 1.5, itl_s = { 1.0 }, output_len = 2 },
    { success = true, start_s = 1.5, ttft_s = 0.1, latency_s = 0.1, itl_s = {}, output_len = 1 },
  })
  -- tokens at 0.5, 1.5, 1.6: bins 0 -> 1, 1 -> 2; intervals [0,1.5) and [1.5,1.6) touch only
  assert.equal(m2.max_output_tokens_per_s, 2.0)
  assert.equal(m2.max_concurrent_requests, 1)
end)

omni.test("goodput", {}, function()
  local m = compute(TRACE, { goodput = { ttft = 150 } })
  assert.equal(m.request_goodput, 0.5) -- only request 1 (ttft 100 ms) is good, over 2 s
  local m2 = compute(TRACE, { goodput = { tpot = 199 } })
  -- request 1 tpot 200 > 199: bad; request 3 has 1 token: tpot counts as 0: good
  assert.equal(m2.request_goodput, 0.5)
  local m3 = compute(TRACE, { goodput = { e2el = 500, ttft = 200 } })
  assert.equal(m3.request_goodput, 1.0)
end)

omni.test("output_len_without_usage_counts_chunks", {}, function()
  local m = compute({ { success = true, start_s = 0, ttft_s = 0.1, latency_s = 0.4, itl_s = { 0.1, 0.1, 0.1 } } })
  assert.same(m.output_lens, { 4 })
  assert.near(m.stats.tpot.mean, 100, 1e-9)
end)

omni.test("audio_metrics", {}, function()
  local m = compute({
    { success = true, start_s = 0, ttft_s = 0.1, latency_s = 0.6, itl_s = { 0.5 }, output_len = 2,
      audio_ttfp_s = 0.05, audio_latency_s = 0.6, audio_duration_s = 2.0 },
    { success = true, start_s = 0, ttft_s = 0.1, latency_s = 0.2, itl_s = { 0.1 }, output_len = 2,
      audio_ttfp_s = 0.15, audio_latency_s = 0.2, audio_duration_s = 0 },
    { success = true, start_s = 0, ttft_s = 0.1, latency_s = 0.1, itl_s = {}, output_len = 1 }, -- no audio
  })
  assert.equal(m.stats.audio_ttfp.count, 2)
  assert.near(m.stats.audio_ttfp.mean, 100, 1e-9)
  assert.near(m.series.audio_rtf[1], 0.3, 1e-12) -- 0.6 s to make 2 s of audio
  assert.equal(m.series.audio_rtf[2], 0) -- duration <= 0 gives 0
  assert.near(m.stats.audio_duration.mean, 1.0, 1e-12) -- seconds, not ms
  assert.near(m.audio_throughput, 1.0, 1e-12) -- 2 s of audio over 2 s
end)

omni.test("coordinated_omission_from_intended_send", {}, function()
  local m = compute({
    { success = true, intended_s = 0, start_s = 0.3, ttft_s = 0.1, latency_s = 0.2, itl_s = { 0.1 }, output_len = 2 },
  })
  assert.near(m.stats.ttft.mean, 100, 1e-9)
  assert.near(m.stats.ttft_intended.mean, 400, 1e-9) -- 0.3 s late in the queue
  assert.near(m.stats.e2el_intended.mean, 500, 1e-9)
end)

omni.test("compute_raises_on_bad_input", {}, function()
  assert.raises(function() load.compute({ 1 }, { duration = 1 }) end, "request 1 is not a table")
  assert.raises(function() load.compute({}, { duration = 1, percentiles = { 101 } }) end, "percentiles")
  assert.raises(function() load.compute(nil, {}) end, "table expected")
end)

local P = { backend = "openai-chat", label = "openai-chat", model = "org/omni-dummy", num_prompts = 3, request_rate = math.huge,
  burstiness = 1.0, metrics = { "ttft", "tpot", "itl", "e2el" }, percentiles = { 99, 99.9 } }

omni.test("result_keys_in_reference_order", {}, function()
  local res = run.summarize(P, TRACE, { {}, { error = "boom" }, {} }, 2)
  local want = { "date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id", "num_prompts",
    "request_rate", "burstiness", "max_concurrency", "duration", "completed", "failed", "total_input_tokens",
    "total_output_tokens", "request_throughput", "request_goodput", "output_throughput", "total_token_throughput",
    "input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times", "queue_times", "generated_texts",
    "errors", "max_output_tokens_per_s", "max_concurrent_requests", "rtfx",
    "mean_ttft_ms", "median_ttft_ms", "std_ttft_ms", "p99_ttft_ms", "p99.9_ttft_ms",
    "mean_tpot_ms", "median_tpot_ms", "std_tpot_ms", "p99_tpot_ms", "p99.9_tpot_ms" }
  for i, k in ipairs(want) do assert.equal(res.__keys[i], k, "key " .. i) end
  assert.equal(res.request_rate, "inf")
  assert.same(res.errors, { "", "boom", "" })
  assert.near(res.p99_ttft_ms, 199, 1e-9)
  local text = require("omni.bench.ordered_json").encode(res, "  ")
  assert.match(text, '"request_rate": "inf"')
  assert.match(text, '"max_concurrency": null')
end)

omni.test("file_name_as_reference", {}, function()
  assert.equal(result.filename(P, "20250101-000000"), "openai-chat-infqps-omni-dummy-20250101-000000.json")
  local q = setmetatable({ request_rate = 10, max_concurrency = 4 }, { __index = P })
  assert.equal(result.filename(q, "D"), "openai-chat-10.0qps-concurrency4-omni-dummy-D.json")
end)

omni.test("console_summary_format", {}, function()
  local res = run.summarize(P, TRACE, { {}, {}, {} }, 2)
  local L = console.lines(P, res)
  assert.equal(L[1], "============ Serving Benchmark Result ============")
  assert.equal(L[2], "Successful requests:                     2         ")
  assert.equal(L[3], "Failed requests:                         1         ")
  assert.equal(L[4], "Benchmark duration (s):                  2.00      ")
  assert.contains(L, "---------------Time to First Token----------------")
  assert.contains(L, "-----Time per Output Token (excl. 1st token)------")
  assert.contains(L, string.format("%-40s %-10s", "P99.9 TTFT (ms):", string.format("%.2f", res["p99.9_ttft_ms"])))
  assert.equal(L[#L], string.rep("=", 50))
  assert.equal(console.center("ab", 5, "="), "=ab==") -- Python puts the odd fill on the right
end)

omni.test("console_shows_the_machines_wake_up_lateness", {}, function()
  local quiet = setmetatable({ wake = { p50_ms = 0.012, p99_ms = 0.08, max_ms = 0.9 } }, { __index = P })
  local L = console.lines(quiet, run.summarize(quiet, TRACE, { {}, {}, {} }, 2))
  assert.equal(L[#L], "Machine wake-up lateness (ms): p50 0.012, p99 0.080, max 0.900")
  assert.equal(L[#L - 1], string.rep("=", 50))
  local noisy = setmetatable({ wake = { p50_ms = 0.02, p99_ms = 2.6, max_ms = 12 } }, { __index = P })
  L = console.lines(noisy, run.summarize(noisy, TRACE, { {}, {}, {} }, 2))
  assert.equal(L[#L], "note: this machine woke threads up to 2.6 ms late (p99) during the run: "
    .. "latency differences below that are its noise, not the server's")
end)
