--- omni.bench.result: the result JSON of one benchmark point with the key
--- names and order of `vllm bench serve --save-result`, the omni audio
--- metrics, and omnilua's additions at the end (latency from the intended
--- send, audio throughput, mergeable histograms).
local oj = require "omni.bench.ordered_json"
local metrics = require "omni.core.metrics"

local M = {}

-- Metrics that --percentile-metrics may select, with their result-key unit.
M.METRICS = {
  ttft = "_ms", tpot = "_ms", itl = "_ms", e2el = "_ms",
  audio_ttfp = "_ms", audio_rtf = "", audio_duration = "_s",
}
-- Always reported (coordinated omission: latency from the intended send).
M.INTENDED = { "ttft_intended", "e2el_intended" }
M.DEFAULT_METRICS = "ttft,tpot,itl"
M.DEFAULT_PERCENTILES = "99"

-- Scalar keys a baseline may name besides the per-metric statistics.
M.SCALARS = {
  duration = true, completed = true, failed = true, total_input_tokens = true, total_output_tokens = true,
  request_throughput = true, request_goodput = true, output_throughput = true, total_token_throughput = true,
  max_output_tokens_per_s = true, max_concurrent_requests = true, audio_throughput = true,
}

--- "99" -> "99", 99.9 -> "99.9" (the reference's p-label).
---@param p number
---@return string
function M.pword(p)
  if p == math.floor(p) then return string.format("%d", p) end
  return tostring(p)
end

--- Parses --percentile-metrics ("ttft,tpot,itl") into a list; nil, err on an unknown name.
---@param s string
---@return string[]? names, string? err
function M.parse_metrics(s)
  local out = {}
  for name in tostring(s):gmatch("[^,%s]+") do
    if not M.METRICS[name] then
      local known = {}
      for k in pairs(M.METRICS) do known[#known + 1] = k end
      table.sort(known)
      return nil, string.format("unknown metric '%s' (known: %s)", name, table.concat(known, ", "))
    end
    out[#out + 1] = name
  end
  if #out == 0 then return nil, "no metric selected" end
  return out
end

--- Parses --metric-percentiles ("50,90,99") into numbers.
---@param s string|number
---@return number[]? ps, string? err
function M.parse_percentiles(s)
  local out = {}
  for w in tostring(s):gmatch("[^,%s]+") do
    local p = tonumber(w)
    if not p or p < 0 or p > 100 then return nil, "percentile '" .. w .. "' is not a number in [0, 100]" end
    out[#out + 1] = p
  end
  if #out == 0 then return nil, "no percentile given" end
  return out
end

--- Every statistic key a result with these metrics and percentiles has.
---@param names string[]
---@param pcts number[]
---@return table<string, true>
function M.stat_keys(names, pcts)
  local keys = {}
  local function add(name, unit)
    for _, s in ipairs({ "mean", "median", "std" }) do keys[s .. "_" .. name .. unit] = true end
    for _, p in ipairs(pcts) do keys["p" .. M.pword(p) .. "_" .. name .. unit] = true end
  end
  for _, n in ipairs(names) do add(n, M.METRICS[n]) end
  for _, n in ipairs(M.INTENDED) do add(n, "_ms") end
  return keys
end

--- Python's str(float(rate)): "inf", "10.0", "0.5".
---@param rate number
---@return string
function M.rate_str(rate)
  if rate == math.huge then return "inf" end
  return oj.number(rate + 0.0)
end

-- Histogram settings shared by every host so that merges are exact:
-- 3 significant digits, 1 us ticks, up to 1 hour (times in ms).
M.HIST = { digits = 3, resolution = 0.001, highest = 3600000 }

local function histogram(values_s, scale)
  local h = metrics.histogram(M.HIST.digits, M.HIST.resolution, M.HIST.highest)
  for _, v in ipairs(values_s) do h:record(math.max(0, v * scale)) end
  local s = (h.serialize or h.encode)(h)
  h:close()
  return s
end

---@class omni.bench.Point
---@field backend string
---@field endpoint string
---@field label? string
---@field model string
---@field tokenizer? string
---@field num_prompts integer
---@field request_rate number
---@field burstiness number
---@field max_concurrency? integer
---@field metrics string[]
---@field percentiles number[]
---@field goodput? table
---@field metadata? table<string,string>

--- Builds the ordered result object.
---@param p omni.bench.Point the settings
---@param reqs table[] the per-request inputs given to compute (prompt_len ...)
---@param recs table[] the load engine's records
---@param m table omni.core.load.compute's answer
---@return table ordered
function M.build(p, reqs, recs, m)
  local o = oj.object()
  local set = function(k, v) oj.set(o, k, v) end
  set("date", os.date("%Y%m%d-%H%M%S"))
  set("endpoint_type", p.backend)
  set("backend", p.backend)
  set("label", p.label)
  set("model_id", p.model)
  set("tokenizer_id", p.tokenizer or p.model)
  set("num_prompts", p.num_prompts)
  if p.metadata then
    local ks = {}
    for k in pairs(p.metadata) do ks[#ks + 1] = k end
    table.sort(ks)
    for _, k in ipairs(ks) do set(k, p.metadata[k]) end
  end
  set("request_rate", p.request_rate == math.huge and "inf" or p.request_rate + 0.0)
  set("burstiness", p.burstiness + 0.0)
  set("max_concurrency", p.max_concurrency)
  set("duration", m.duration)
  set("completed", m.completed)
  set("failed", m.failed)
  set("total_input_tokens", m.total_input_tokens)
  set("total_output_tokens", m.total_output_tokens)
  set("request_throughput", m.request_throughput)
  set("request_goodput", m.request_goodput)
  set("output_throughput", m.output_throughput)
  set("total_token_throughput", m.total_token_throughput)
  local input_lens, ttfts, itls, lats, starts, queues, texts, errors = {}, {}, {}, {}, {}, {}, {}, {}
  for i, q in ipairs(reqs) do
    local r = recs[i]
    input_lens[i] = q.prompt_len
    ttfts[i] = q.success and q.ttft_s or 0.0
    itls[i] = q.success and q.itl_s or {}
    lats[i] = q.success and q.latency_s or 0.0
    starts[i] = q.start_s
    queues[i] = q.start_s - q.intended_s
    texts[i] = r and r.text or ""
    errors[i] = r and r.error or ""
  end
  set("input_lens", input_lens)
  set("output_lens", m.output_lens)
  set("ttfts", ttfts)
  set("itls", itls)
  set("latencies", lats)
  set("start_times", starts)
  set("queue_times", queues)
  set("generated_texts", texts)
  set("errors", errors)
  set("max_output_tokens_per_s", m.max_output_tokens_per_s)
  set("max_concurrent_requests", m.max_concurrent_requests)
  set("rtfx", 0.0)
  local function stats(name, unit)
    local s = m.stats[name]
    set("mean_" .. name .. unit, s.mean)
    set("median_" .. name .. unit, s.median)
    set("std_" .. name .. unit, s.std)
    for i, pc in ipairs(p.percentiles) do set("p" .. M.pword(pc) .. "_" .. name .. unit, s.percentiles[i]) end
  end
  for _, name in ipairs(p.metrics) do stats(name, M.METRICS[name]) end
  -- omnilua additions
  for _, name in ipairs(M.INTENDED) do stats(name, "_ms") end
  set("intended_times", (function()
    local t = {}
    for i, q in ipairs(reqs) do t[i] = q.intended_s end
    return t
  end)())
  set("audio_throughput", m.audio_throughput)
  set("audio_ttfps", m.series.audio_ttfp)
  set("audio_rtfs", m.series.audio_rtf)
  set("audio_durations", m.series.audio_duration)
  if p.client_cpu_s then set("client_cpu_s", p.client_cpu_s) end
  if p.wake then
    set("wake_lateness_p50_ms", p.wake.p50_ms)
    set("wake_lateness_p99_ms", p.wake.p99_ms)
    set("wake_lateness_max_ms", p.wake.max_ms)
  end
  local h = oj.object()
  oj.set(h, "settings", { digits = M.HIST.digits, resolution_ms = M.HIST.resolution, highest_ms = M.HIST.highest })
  for _, name in ipairs({ "ttft", "tpot", "itl", "e2el", "audio_ttfp", "ttft_intended", "e2el_intended" }) do
    oj.set(h, name .. "_ms", histogram(m.series[name], 1000))
  end
  set("histograms", h)
  set("omnilua", { kind = "bench-result", version = 1 })
  return o
end

--- The reference's file name: {label}-{rate}qps[-concurrency{N}]-{model basename}-{date}.json
---@param p omni.bench.Point
---@param date string
---@return string
function M.filename(p, date)
  local base = p.model:match("([^/]+)/*$") or p.model
  local conc = p.max_concurrency and ("-concurrency" .. p.max_concurrency) or ""
  return string.format("%s-%sqps%s-%s-%s.json", p.label or p.backend, M.rate_str(p.request_rate), conc, base, date)
end

--- Writes the result to path (creating nothing else).
---@param o table ordered result
---@param path string
---@return true? ok, string? err
function M.write(o, path, append)
  local f, err = io.open(path, append and "a" or "w")
  if not f then return nil, "cannot write result: " .. tostring(err) end
  if append then f:write("\n") end
  f:write(oj.encode(o, "  "), "\n")
  f:close()
  return true
end

return M
