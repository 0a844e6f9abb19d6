-- `omnilua bench` against the dummy server with a known latency profile, and
-- nightly runs end to end (regression exit code, a server that dies half way).
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local host = require "omni.core.host"
local clock = require "omni.core.clock"
local cjson = require "cjson"
local run = require "omni.bench.run"

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local dummy = dofile(here .. "dummy_helper.lua")
local write = dofile(here .. "../helpers.lua").write

omni.fixture("slow_dummy", { scope = "module" }, function()
  local d = dummy.start({ "--ttft-ms", "30", "--itl-ms", "8", "--text-only" })
  coroutine.yield(d)
  d.process:stop(2)
end)

local function point(url, extra)
  local p = { base_url = url, backend = "openai-chat", endpoint = "/v1/chat/completions", model = "omni-dummy",
    num_prompts = 16, request_rate = math.huge, burstiness = 1.0, input_len = 16, output_len = 12, ignore_eos = true,
    metrics = { "ttft", "tpot", "itl", "e2el" }, percentiles = { 50, 99 }, progress = false }
  for k, v in pairs(extra or {}) do p[k] = v end
  return p
end

omni.test("known_profile_ttft_and_itl", { timeout = 60 }, function(slow_dummy)
  local res, recs = run.point(point(slow_dummy.url, { max_concurrency = 8 }))
  assert.equal(res.completed, 16)
  assert.equal(res.total_output_tokens, 16 * 12) -- from the server's usage
  for _, r in ipairs(recs) do assert.equal(r.chunks, 12) end
  -- a shared 2-core machine: only lower bounds are exact, upper bounds loose
  assert.truthy(res.median_ttft_ms >= 30 and res.median_ttft_ms < 60, "median TTFT " .. res.median_ttft_ms)
  assert.truthy(res.median_itl_ms >= 7 and res.median_itl_ms < 12, "median ITL " .. res.median_itl_ms)
  assert.near(res.median_tpot_ms, 8, 3)
  -- e2el = ttft + 11 gaps of 8 ms
  assert.truthy(res.median_e2el_ms >= 30 + 88, "median E2EL " .. res.median_e2el_ms)
  -- 16 requests at concurrency 8: half of them queued, visible from the intended send
  assert.truthy(res.mean_ttft_intended_ms > res.mean_ttft_ms + 20, "queueing shows in TTFT from intended send")
  assert.truthy(res.max_concurrent_requests <= 8)
  -- omnilua's own CPU in the window: measured, and far below the window
  -- (the engine sleeps between chunks); the kernel counts in 10 ms ticks
  assert.truthy(res.client_cpu_s >= 0 and res.client_cpu_s < res.duration, "client CPU " .. res.client_cpu_s)
  -- the machine's wake-up lateness beside the figures: ordered, not negative
  assert.truthy(res.wake_lateness_p50_ms >= 0, "p50 " .. tostring(res.wake_lateness_p50_ms))
  assert.truthy(res.wake_lateness_p99_ms >= res.wake_lateness_p50_ms)
  assert.truthy(res.wake_lateness_max_ms >= res.wake_lateness_p99_ms)
end)

omni.test("wake_probe_can_be_off", { timeout = 60 }, function(slow_dummy)
  local res = run.point(point(slow_dummy.url, { max_concurrency = 8, num_prompts = 4, wake_probe = false }))
  assert.equal(res.completed, 4)
  assert.is_nil(res.wake_lateness_p99_ms)
end)

omni.test("audio_chunks_detected", { timeout = 60 }, function(slow_dummy)
  local p = point(slow_dummy.url, { num_prompts = 2, modalities = { "text", "audio" },
    metrics = { "ttft", "audio_ttfp", "audio_rtf", "audio_duration" } })
  local res, recs = run.point(p)
  assert.equal(res.completed, 2)
  for _, r in ipairs(recs) do
    assert.truthy((r.audio_chunks or 0) > 0, "audio chunks seen")
    assert.truthy(r.audio_duration_s > 0, "audio duration decoded: " .. tostring(r.audio_error))
    assert.truthy(r.audio_ttfp_s > r.ttft_s, "audio comes after the first text token")
  end
  assert.truthy(res.mean_audio_duration_s > 0)
  assert.truthy(res.mean_audio_rtf > 0 and res.mean_audio_rtf < 1)
end)

omni.test("connection_refused_is_a_failed_request", { timeout = 30 }, function()
  local res, recs = run.point(point("http://127.0.0.1:1", { num_prompts = 3 }))
  assert.equal(res.completed, 0)
  assert.equal(res.failed, 3)
  assert.match(recs[1].error, "ECONNREFUSED")
end)

local function nightly_file(dir, bp)
  local path = dir .. "/nightly.json"
  write(path, cjson.encode({ { test_name = "t_dummy", server_params = { model = "omni-dummy", stage_config_name = "dummy.yaml",
    serve_args = { "--ttft-ms", "5", "--itl-ms", "1", "--text-only" } }, benchmark_params = { bp } } }))
  return path
end

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  require("omni.core.fs").mkdir(d)
  return d
end

omni.test("nightly_regression_exits_1", { timeout = 90 }, function()
  local dir = tmpdir()
  local nf = nightly_file(dir, { num_prompts = { 4, 4 }, max_concurrency = { 1, 2 }, random_input_len = 8, random_output_len = 4,
    baseline = { request_throughput = { 0.1, 1e9 }, mean_ttft_ms = 10000 } })
  local r = proc.run({ host.exe, "bench", nf, "--json", dir .. "/r.json", "--junitxml", dir .. "/r.xml",
    "--report-dir", dir .. "/out", "--no-progress" }, { timeout = 80 })
  assert.equal(r.code, 1, r.stdout .. r.stderr)
  assert.match(r.stdout, "request_throughput%s+1000000000 >=.-REGRESSION")
  local j = require("omni.results_read").read(dir .. "/r.json")
  assert.equal(#j.records, 2)
  assert.equal(j.records[1].outcome, "passed")
  assert.equal(j.records[2].outcome, "failed")
  assert.match(j.records[2].message, "regression: request_throughput")
  local xml = io.open(dir .. "/r.xml"):read("a")
  assert.match(xml, "<failure")
  assert.not_nil(io.open(dir .. "/out/report.html"))
  assert.match(io.open(dir .. "/out/report.md"):read("a"), "| t_dummy | concurrency 2 | request_throughput | >= 1000000000 |")
end)

omni.test("nightly_bad_file_exits_4", { timeout = 30 }, function()
  local dir = tmpdir()
  local nf = nightly_file(dir, { num_prompts = 2, request_rate = 1, max_concurrency = 1 })
  local r = proc.run({ host.exe, "bench", nf }, { timeout = 20 })
  assert.equal(r.code, 4)
  assert.match(r.stderr, "test t_dummy: benchmark_params%[1%]: request_rate and max_concurrency are mutually exclusive")
end)

omni.test("server_dies_half_way_keeps_partial_results", { timeout = 90 }, function()
  local d = dummy.start({ "--ttft-ms", "5", "--itl-ms", "1", "--text-only" })
  local dir = tmpdir()
  local nf = nightly_file(dir, { num_prompts = 40, request_rate = 10, random_input_len = 8, random_output_len = 4 })
  local b = assert(proc.spawn({ host.exe, "bench", nf, "--server", d.url, "--json", dir .. "/r.json",
    "--report-dir", dir .. "/out", "--no-progress" }, { stdout = dir .. "/out.txt", stderr = dir .. "/out.txt" }))
  clock.sleep(1.5)
  d.process:stop(2)
  local code = b:wait(60)
  local out = io.open(dir .. "/out.txt"):read("a")
  assert.equal(code, 1, out)
  local files = require("omni.core.fs").list(dir .. "/out")
  local res
  for _, f in ipairs(files) do
    local name = type(f) == "table" and f.name or f
    if name:match("^result_t_dummy") then res = cjson.decode(io.open(dir .. "/out/" .. name):read("a")) end
  end
  assert.not_nil(res, "the point's result JSON is kept")
  assert.truthy(res.completed > 0 and res.completed < 40, "partial: " .. tostring(res.completed))
  assert.equal(res.completed + res.failed, 40)
  local j = require("omni.results_read").read(dir .. "/r.json")
  assert.equal(j.records[1].outcome, "failed")
  assert.match(j.records[1].message, "requests failed, first error: ECONNREFUSED")
end)

omni.test("warmup_on_the_measured_engine", { timeout = 60 }, function()
  -- warm-up requests reach the server but not the results: the
  -- concurrency's worth by default, at least num_warmups, none when off
  local d = assert.not_nil((require("omni.core.dummy").start { port = 0, ttft_ms = 1, itl_ms = 0, audio = false }))
  local url = "http://127.0.0.1:" .. d:port()
  local cases = {
    { { max_concurrency = 8 }, 16 + 8 },
    { { max_concurrency = 8, num_warmups = 10 }, 16 + 10 },
    { { max_concurrency = 8, num_warmups = 3 }, 16 + 8 },
    { { max_concurrency = 8, warm_connections = false }, 16 },
    { { max_concurrency = 8, warm_connections = false, num_warmups = 5 }, 16 + 5 },
    { {}, 16 }, -- no cap: how many connections a rate needs is unknown, none added
    { { max_concurrency = 64 }, 16 + 16 }, -- never more than the run's requests
  }
  for i, c in ipairs(cases) do
    local before = d:requests()
    local p = point(url, c[1])
    assert.equal(run.warmup_count(p, 16), c[2] - 16, "case " .. i)
    local res = run.point(p)
    assert.equal(res.completed, 16, "case " .. i)
    assert.equal(#res.ttfts, 16, "case " .. i)
    assert.equal(d:requests() - before, c[2], "case " .. i)
    assert.equal(p.warmup_failed or 0, 0, "case " .. i)
  end
  d:stop()
end)
