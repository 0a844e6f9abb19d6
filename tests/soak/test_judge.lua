-- Trend judging on hand-made series with exact expected verdicts: a trend
-- fails only when its whole confidence interval is past the limit.
local omni = require "omni"
local assert = require "omni.assert"
local judge = require "omni.soak.judge"

-- n windows of `len` seconds; f(i) -> fields of window i
local function windows(n, len, f)
  local out = {}
  for i = 1, n do
    local w = { kind = "window", index = i, t0 = (i - 1) * len, t1 = i * len, requests = 100, errors = 0, ok = 100,
      error_codes = {}, throughput_rps = 10, p99_ms = 100, rss_mb = 500 }
    for k, v in pairs(f(i) or {}) do w[k] = v end
    out[i] = w
  end
  return out
end

local function test_with(th, extra)
  local t = { thresholds = th, confidence = 0.95, soak = { warmup = 0, duration = 43200 }, server = { restart_on_death = false } }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function by_name(vs)
  local m = {}
  for _, v in ipairs(vs) do m[v.name] = v end
  return m
end

local NOISE = { 0.8, -1.1, 0.3, 1.2, -0.6, -0.9, 1.0, -0.2, 0.5, -1.0, 0.1, 0.7 }

omni.test("rss_steady_leak_fails", { marks = { "cpu" } }, function()
  -- 12 windows of 1 h, RSS growing exactly 60 MB/h: interval is a point
  local ws = windows(12, 3600, function(i) return { rss_mb = 500 + 60 * (i - 0.5) } end)
  local v = by_name(judge.judge({ windows = ws, events = {} }, test_with({ rss_growth_mb_per_hour = 50 })))
  local r = v.rss_growth_mb_per_hour
  assert.equal(r.outcome, "failed")
  assert.near(r.value, 60, 1e-9)
  assert.equal(r.message, "server RSS grows 60 MB/h (95% CI 60..60) over 12 windows: above the limit of 50 MB/h")
end)

omni.test("rss_noise_around_flat_passes_and_wide_interval_is_inconclusive", { marks = { "cpu" } }, function()
  local ws = windows(12, 3600, function(i) return { rss_mb = 500 + NOISE[i] } end)
  local r = by_name(judge.judge({ windows = ws, events = {} }, test_with({ rss_growth_mb_per_hour = 5 }))).rss_growth_mb_per_hour
  assert.equal(r.outcome, "passed")
  assert.truthy(r.lo < 0 and r.hi < 5, r.message)
  assert.falsy(r.message:find("inconclusive"))
  -- a slope of 52 MB/h with noise of +-100 MB in 4 windows of 10 min: the interval
  -- straddles the 50 MB/h limit -> passes, marked inconclusive
  local ws2 = windows(4, 600, function(i) return { rss_mb = 500 + 52 * (i - 0.5) / 6 + ({ 100, -100, -100, 100 })[i] } end)
  local r2 = by_name(judge.judge({ windows = ws2, events = {} }, test_with({ rss_growth_mb_per_hour = 50 }))).rss_growth_mb_per_hour
  assert.equal(r2.outcome, "passed")
  assert.truthy(r2.lo < 50 and r2.hi > 50)
  assert.contains(r2.message, "(inconclusive: the interval reaches past the limit)")
end)

omni.test("too_few_windows_warmup_and_partial_skip", { marks = { "cpu" } }, function()
  local ws = windows(5, 600, function(i) return { rss_mb = 500 + i * 100, partial = i == 5 or nil } end)
  local t = test_with({ rss_growth_mb_per_hour = 1 })
  t.soak.warmup = 1200 -- windows 1, 2 out; window 5 partial: 2 left
  local r = by_name(judge.judge({ windows = ws, events = {} }, t)).rss_growth_mb_per_hour
  assert.equal(r.outcome, "skipped")
  assert.equal(r.message, "2 windows with server RSS data; a trend needs at least 3")
  local r2 = by_name(judge.judge({ windows = {}, events = {} }, test_with({ vram_growth_mb_per_hour = 1 }),
    { vram_missing = "no usable GPU: test" })).vram_growth_mb_per_hour
  assert.equal(r2.outcome, "skipped")
  assert.equal(r2.message, "no usable GPU: test")
end)

omni.test("p99_drift", { marks = { "cpu" } }, function()
  -- p99 from 100 ms rising 10 ms per window over 6 windows: +50 ms over the span = 50%
  local ws = windows(6, 600, function(i) return { p99_ms = 100 + 10 * (i - 1) } end)
  local v = by_name(judge.judge({ windows = ws, events = {} }, test_with({ p99_latency_drift_pct = 40 }))).p99_latency_drift_pct
  assert.equal(v.outcome, "failed")
  assert.near(v.value, 50, 1e-9)
  assert.equal(v.message, "p99 latency drifts 50% (95% CI 50..50%) from the first window's 100 ms: above the limit of 40%")
  local ok = by_name(judge.judge({ windows = ws, events = {} }, test_with({ p99_latency_drift_pct = 60 }))).p99_latency_drift_pct
  assert.equal(ok.outcome, "passed")
end)

omni.test("throughput_ratio", { marks = { "cpu" } }, function()
  -- 10 req/s falling 1 req/s per window over 5 windows: ratio 6/10 = 0.6
  local ws = windows(5, 600, function(i) return { throughput_rps = 10 - (i - 1) } end)
  local v = by_name(judge.judge({ windows = ws, events = {} }, test_with({ throughput_ratio_min = 0.8 }))).throughput_ratio_min
  assert.equal(v.outcome, "failed")
  assert.near(v.value, 0.6, 1e-9)
  assert.equal(v.message, "throughput falls to 0.6 of the first window's 10 req/s (95% CI 0.6..0.6): below the limit of 0.8")
  local zero = windows(3, 600, function() return { throughput_rps = 0 } end)
  assert.equal(by_name(judge.judge({ windows = zero, events = {} }, test_with({ throughput_ratio_min = 0.8 }))).throughput_ratio_min.outcome, "failed")
end)

omni.test("error_rate_and_restarts", { marks = { "cpu" } }, function()
  local ws = windows(4, 600, function(i) return i == 2 and { errors = 3, error_codes = { ECONNREFUSED = 2, HTTP_500 = 1 } } or nil end)
  local events = {
    { kind = "event", t = 700, what = "server_died", detail = "signal 9" },
    { kind = "event", t = 702, what = "server_restarted" },
  }
  local v = by_name(judge.judge({ windows = ws, events = events }, test_with({ error_rate_max = 0.005 })))
  assert.equal(v.error_rate_max.outcome, "failed")
  assert.equal(v.error_rate_max.message, "3 of 400 requests failed: error rate 0.0075 (ECONNREFUSED 2, HTTP_500 1) above the limit 0.005")
  assert.equal(v.process_restarts_max.outcome, "failed")
  assert.equal(v.process_restarts_max.message, "the server died 1 time (t=700s (signal 9)): above the limit of 0")
  local v2 = by_name(judge.judge({ windows = ws, events = events }, test_with({ process_restarts_max = 1, error_rate_max = 0.01 })))
  assert.equal(v2.process_restarts_max.outcome, "passed")
  assert.equal(v2.error_rate_max.outcome, "passed")
  -- died and not restarted: fails whatever the limit
  local ev3 = { events[1], { kind = "event", t = 700, what = "server_not_restarted" } }
  local v3 = by_name(judge.judge({ windows = ws, events = ev3, ends = { { t = 701, reason = "server_dead", detail = "gone" } } },
    test_with({ process_restarts_max = 3 })))
  assert.equal(v3.process_restarts_max.outcome, "failed")
  assert.equal(v3.process_restarts_max.message, "the server died (t=700s (signal 9)) and was not restarted (server_params.restart_on_death is false)")
  assert.equal(v3.completed.outcome, "failed")
  assert.equal(v3.completed.message, "stopped at t=701s of 43200s: gone")
end)

omni.test("hooks_check_failures", { marks = { "cpu" } }, function()
  local ev = { { kind = "event", t = 10, what = "hook_failed", window = 2, detail = "p99 TTFT 2500 ms > 2000 ms" } }
  local v = by_name(judge.judge({ windows = {}, events = ev }, test_with({}), { has_hooks_check = true }))
  assert.equal(v.hooks_check.outcome, "failed")
  assert.equal(v.hooks_check.message, "1 window(s) failed hooks.check: window 2: p99 TTFT 2500 ms > 2000 ms")
  local v2 = by_name(judge.judge({ windows = {}, events = {} }, test_with({}), { has_hooks_check = true }))
  assert.equal(v2.hooks_check.outcome, "passed")
  assert.is_nil(by_name(judge.judge({ windows = {}, events = {} }, test_with({}))).hooks_check)
end)
