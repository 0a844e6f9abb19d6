--- Verdicts of a soak: each threshold of weekly.json judged on the series
--- (windows, events). Trends are least-squares fits over the windows
--- (omni.metrics.fit) with a two-sided confidence interval on the slope, and
--- a trend FAILS ONLY WHEN THE WHOLE INTERVAL IS ON THE WRONG SIDE of the
--- limit: the server is blamed for a leak or a slow-down only when the data
--- prove it at the configured confidence. An interval that straddles the
--- limit passes, with "inconclusive" in the message. The rules, exactly
--- (docs/reference/weekly-json.md, "How a trend is judged"):
---
--- * rss_growth_mb_per_hour / vram_growth_mb_per_hour: fit of the windows'
---   mean RSS (MB) against time (hours); fails when slope_lo > limit.
--- * p99_latency_drift_pct: fit of the windows' p99 against time; the drift
---   is slope x (span between the first and last window centres) / p99 of
---   the first window x 100; fails when the drift at slope_lo > limit.
--- * throughput_ratio_min: fit of the windows' throughput; the ratio is
---   (first + slope x span) / first; fails when the ratio at slope_hi < limit.
--- * error_rate_max: errors / requests over the whole run (no trend); fails
---   when above the limit.
--- * process_restarts_max: server deaths; fails when more than the limit, or
---   when the server died and was not restarted.
--- * hooks: fails when hooks.check returned false for any window.
--- * completed: fails when the soak stopped before its duration (the
---   budget ran out, the server stayed dead, the run was interrupted).
--- Windows that start before `warmup`, and the last window when the run
--- ended inside it (`partial`), are left out of the trends; fewer
--- than 3 windows left is a skip (a fit needs one degree of freedom).
local metrics = require "omni.metrics"

local M = {}

local function fmt(x)
  if x == nil then return "?" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  local a = math.abs(x)
  if a ~= 0 and (a < 0.01 or a >= 1e6) then return string.format("%.3g", x) end
  return (string.format("%.2f", x):gsub("0+$", ""):gsub("%.$", ""))
end
M.fmt = fmt

local function judged_windows(series, warmup)
  local out = {}
  for _, w in ipairs(series.windows) do
    if not w.partial and (w.t0 or 0) >= (warmup or 0) - 1e-9 then out[#out + 1] = w end
  end
  return out
end

-- xs/ys of the windows with a value in `field`
local function points(ws, field, xscale)
  local xs, ys = {}, {}
  for _, w in ipairs(ws) do
    local y = w[field]
    if type(y) == "number" and y == y then
      xs[#xs + 1] = (w.t0 + w.t1) / 2 / xscale
      ys[#ys + 1] = y
    end
  end
  return xs, ys
end

local function pct(c) return string.format("%g%%", c * 100) end

local function growth(name, ws, field, limit, conf, what, missing)
  local v = { name = name, limit = limit, unit = "MB/h" }
  local xs, ys = points(ws, field, 3600)
  if #xs < 3 then
    v.outcome = "skipped"
    v.message = #xs == 0 and missing or string.format("%d windows with %s data; a trend needs at least 3", #xs, what)
    return v
  end
  local f, err = metrics.fit(xs, ys, { confidence = conf })
  if not f then v.outcome, v.message = "skipped", "cannot fit the " .. what .. " trend: " .. err; return v end
  v.value, v.lo, v.hi = f.slope, f.slope_lo, f.slope_hi
  local ci = string.format("%s CI %s..%s", pct(conf), fmt(f.slope_lo), fmt(f.slope_hi))
  if f.slope_lo > limit then
    v.outcome = "failed"
    v.message = string.format("%s grows %s MB/h (%s) over %d windows: above the limit of %s MB/h", what,
      fmt(f.slope), ci, #xs, fmt(limit))
  else
    v.outcome = "passed"
    v.message = string.format("%s trend %s MB/h (%s), limit %s MB/h%s", what, fmt(f.slope), ci, fmt(limit),
      f.slope_hi > limit and " (inconclusive: the interval reaches past the limit)" or "")
  end
  return v
end

local function drift(ws, limit, conf)
  local v = { name = "p99_latency_drift_pct", limit = limit, unit = "%" }
  local xs, ys = points(ws, "p99_ms", 1)
  if #xs < 3 then
    v.outcome, v.message = "skipped", string.format("%d windows with latencies; a trend needs at least 3", #xs)
    return v
  end
  local ref = ys[1]
  if ref <= 0 then v.outcome, v.message = "skipped", "the first window's p99 is 0"; return v end
  local f, err = metrics.fit(xs, ys, { confidence = conf })
  if not f then v.outcome, v.message = "skipped", "cannot fit the p99 trend: " .. err; return v end
  local span = xs[#xs] - xs[1]
  local d, lo, hi = f.slope * span / ref * 100, f.slope_lo * span / ref * 100, f.slope_hi * span / ref * 100
  v.value, v.lo, v.hi = d, lo, hi
  local ci = string.format("%s CI %s..%s%%", pct(conf), fmt(lo), fmt(hi))
  if lo > limit then
    v.outcome = "failed"
    v.message = string.format("p99 latency drifts %s%% (%s) from the first window's %s ms: above the limit of %s%%",
      fmt(d), ci, fmt(ref), fmt(limit))
  else
    v.outcome = "passed"
    v.message = string.format("p99 drift %s%% (%s) from %s ms, limit %s%%%s", fmt(d), ci, fmt(ref), fmt(limit),
      hi > limit and " (inconclusive: the interval reaches past the limit)" or "")
  end
  return v
end

local function throughput(ws, limit, conf)
  local v = { name = "throughput_ratio_min", limit = limit, unit = "" }
  local xs, ys = points(ws, "throughput_rps", 1)
  if #xs < 3 then
    v.outcome, v.message = "skipped", string.format("%d windows; a trend needs at least 3", #xs)
    return v
  end
  local ref = ys[1]
  if ref <= 0 then
    v.outcome, v.message = "failed", "no request succeeded in the first judged window (throughput 0)"
    return v
  end
  local f, err = metrics.fit(xs, ys, { confidence = conf })
  if not f then v.outcome, v.message = "skipped", "cannot fit the throughput trend: " .. err; return v end
  local span = xs[#xs] - xs[1]
  local r, lo, hi = (ref + f.slope * span) / ref, (ref + f.slope_lo * span) / ref, (ref + f.slope_hi * span) / ref
  v.value, v.lo, v.hi = r, lo, hi
  local ci = string.format("%s CI %s..%s", pct(conf), fmt(lo), fmt(hi))
  if hi < limit then
    v.outcome = "failed"
    v.message = string.format("throughput falls to %s of the first window's %s req/s (%s): below the limit of %s",
      fmt(r), fmt(ref), ci, fmt(limit))
  else
    v.outcome = "passed"
    v.message = string.format("throughput ratio %s (%s) to %s req/s, limit %s%s", fmt(r), ci, fmt(ref), fmt(limit),
      lo < limit and " (inconclusive: the interval reaches past the limit)" or "")
  end
  return v
end

local function error_rate(windows, limit)
  local v = { name = "error_rate_max", limit = limit, unit = "" }
  local req, err, codes = 0, 0, {}
  for _, w in ipairs(windows) do
    req, err = req + (w.requests or 0), err + (w.errors or 0)
    for c, n in pairs(w.error_codes or {}) do codes[c] = (codes[c] or 0) + n end
  end
  if req == 0 then v.outcome, v.message = "failed", "no request completed"; return v end
  local rate = err / req
  v.value = rate
  local list = {}
  for c, n in pairs(codes) do list[#list + 1] = c .. " " .. n end
  table.sort(list)
  local detail = #list > 0 and (" (" .. table.concat(list, ", ") .. ")") or ""
  v.outcome = rate > limit and "failed" or "passed"
  v.message = string.format("%d of %d requests failed: error rate %s%s %s limit %s", err, req, fmt(rate), detail,
    rate > limit and "above the" or "within the", fmt(limit))
  return v
end

local function restarts(events, limit, restart_on_death)
  local v = { name = "process_restarts_max", limit = limit, unit = "" }
  local deaths, times, unrestarted = 0, {}, false
  for _, e in ipairs(events) do
    if e.what == "server_died" then
      deaths = deaths + 1
      times[#times + 1] = string.format("t=%ss%s", fmt(e.t), e.detail and (" (" .. e.detail .. ")") or "")
    elseif e.what == "server_not_restarted" or e.what == "restart_failed" then
      unrestarted = true
    end
  end
  v.value = deaths
  if deaths > limit then
    v.outcome = "failed"
    v.message = string.format("the server died %d time%s (%s): above the limit of %d%s", deaths, deaths == 1 and "" or "s",
      table.concat(times, "; "), limit, unrestarted and "; it was not restarted" or "")
  elseif unrestarted then
    v.outcome = "failed"
    v.message = string.format("the server died (%s) and was not restarted%s", table.concat(times, "; "),
      restart_on_death and "" or " (server_params.restart_on_death is false)")
  else
    v.outcome = "passed"
    v.message = deaths == 0 and "the server never died" or string.format("the server died %d time%s (%s), limit %d",
      deaths, deaths == 1 and "" or "s", table.concat(times, "; "), limit)
  end
  return v
end

--- Judges a series against a test's thresholds.
---@param series table {windows, events} (omni.soak.series.read's shape)
---@param test table a validated weekly.json test (thresholds, confidence, soak.warmup, server.restart_on_death)
---@param opts? {vram_missing?: string, hooks_failures?: string[], has_hooks_check?: boolean}
---@return table[] verdicts {name, outcome, message, value?, lo?, hi?, limit?}
function M.judge(series, test, opts)
  opts = opts or {}
  local th, conf = test.thresholds, test.confidence or 0.95
  local ws = judged_windows(series, test.soak and test.soak.warmup or 0)
  local out = {}
  if th.rss_growth_mb_per_hour then
    out[#out + 1] = growth("rss_growth_mb_per_hour", ws, "rss_mb", th.rss_growth_mb_per_hour, conf, "server RSS",
      "no RSS samples of the server process group (an external server without --server-pid?)")
  end
  if th.vram_growth_mb_per_hour then
    out[#out + 1] = growth("vram_growth_mb_per_hour", ws, "vram_mb", th.vram_growth_mb_per_hour, conf, "VRAM",
      opts.vram_missing or "no VRAM samples")
  end
  if th.p99_latency_drift_pct then out[#out + 1] = drift(ws, th.p99_latency_drift_pct, conf) end
  if th.throughput_ratio_min then out[#out + 1] = throughput(ws, th.throughput_ratio_min, conf) end
  if th.error_rate_max then out[#out + 1] = error_rate(series.windows, th.error_rate_max) end
  out[#out + 1] = restarts(series.events or {}, th.process_restarts_max or 0, test.server and test.server.restart_on_death)
  local ends = series.ends or {}
  local last = ends[#ends]
  if last then
    local done = last.reason == "done"
    out[#out + 1] = { name = "completed", outcome = done and "passed" or "failed",
      message = done and string.format("ran %ss", fmt(last.t)) or string.format("stopped at t=%ss of %ss: %s", fmt(last.t),
        fmt(test.soak and test.soak.duration), last.detail or last.reason) }
  end
  if opts.has_hooks_check then
    local fails = {}
    for _, e in ipairs(series.events or {}) do
      if e.what == "hook_failed" then fails[#fails + 1] = string.format("window %s: %s", tostring(e.window), e.detail or "") end
    end
    out[#out + 1] = {
      name = "hooks_check", outcome = #fails > 0 and "failed" or "passed",
      message = #fails > 0 and (#fails .. " window(s) failed hooks.check: " .. table.concat(fails, "; "))
        or "hooks.check passed for every window",
    }
  end
  return out
end

return M
