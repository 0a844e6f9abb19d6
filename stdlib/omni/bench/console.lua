--- omni.bench.console: the console summary of `vllm bench serve`, line for
--- line: a title centred in 50 "=", rows "label (40 wide) value", per
--- selected metric a section centred in 50 "-", and a closing rule.
local result = require "omni.bench.result"

local M = {}

-- Above this p99 wake-up lateness (ms) the summary says the machine was noisy.
M.NOISY_MS = 1.0

--- Python's str.center as format(s, "c^n") does it (extra fill on the right).
---@param s string
---@param n integer
---@param c string
---@return string
function M.center(s, n, c)
  local pad = n - #s
  if pad <= 0 then return s end
  local left = pad // 2
  return string.rep(c, left) .. s .. string.rep(c, pad - left)
end

local function row(label, value)
  local v = math.type(value) == "float" and string.format("%.2f", value) or tostring(value)
  return string.format("%-40s %-10s", label, v)
end

local TITLES = {
  ttft = { "Time to First Token", "TTFT", " (ms)" },
  tpot = { "Time per Output Token (excl. 1st token)", "TPOT", " (ms)" },
  itl = { "Inter-token Latency", "ITL", " (ms)" },
  e2el = { "End-to-end Latency", "E2EL", " (ms)" },
  audio_ttfp = { "Audio Time to First Packet", "AUDIO_TTFP", " (ms)" },
  audio_rtf = { "Audio Real Time Factor", "AUDIO_RTF", "" },
  audio_duration = { "Audio Duration", "AUDIO_DURATION", " (s)" },
  ttft_intended = { "TTFT from Intended Send", "TTFT", " (ms)" },
  e2el_intended = { "E2EL from Intended Send", "E2EL", " (ms)" },
}

--- The summary lines (without trailing newlines).
---@param p omni.bench.Point
---@param res table the ordered result
---@return string[]
function M.lines(p, res)
  local L = {}
  L[#L + 1] = M.center(" Serving Benchmark Result ", 50, "=")
  L[#L + 1] = row("Successful requests:", res.completed)
  L[#L + 1] = row("Failed requests:", res.failed)
  if p.max_concurrency then L[#L + 1] = row("Maximum request concurrency:", p.max_concurrency) end
  if p.request_rate ~= math.huge then L[#L + 1] = row("Request rate configured (RPS):", p.request_rate + 0.0) end
  L[#L + 1] = row("Benchmark duration (s):", res.duration + 0.0)
  L[#L + 1] = row("Total input tokens:", res.total_input_tokens)
  L[#L + 1] = row("Total generated tokens:", res.total_output_tokens)
  L[#L + 1] = row("Request throughput (req/s):", res.request_throughput + 0.0)
  if p.goodput then L[#L + 1] = row("Request goodput (req/s):", (res.request_goodput or 0) + 0.0) end
  L[#L + 1] = row("Output token throughput (tok/s):", res.output_throughput + 0.0)
  L[#L + 1] = row("Peak output token throughput (tok/s):", res.max_output_tokens_per_s + 0.0)
  L[#L + 1] = row("Peak concurrent requests:", res.max_concurrent_requests + 0.0)
  L[#L + 1] = row("Total token throughput (tok/s):", res.total_token_throughput + 0.0)
  local function section(name, unit)
    local t = TITLES[name]
    L[#L + 1] = M.center(t[1], 50, "-")
    L[#L + 1] = row(string.format("Mean %s%s:", t[2], t[3]), res["mean_" .. name .. unit] + 0.0)
    L[#L + 1] = row(string.format("Median %s%s:", t[2], t[3]), res["median_" .. name .. unit] + 0.0)
    for _, pc in ipairs(p.percentiles) do
      local w = result.pword(pc)
      L[#L + 1] = row(string.format("P%s %s%s:", w, t[2], t[3]), res["p" .. w .. "_" .. name .. unit] + 0.0)
    end
  end
  for _, name in ipairs(p.metrics) do section(name, result.METRICS[name]) end
  if p.show_intended then
    for _, name in ipairs(result.INTENDED) do section(name, "_ms") end
  end
  L[#L + 1] = string.rep("=", 50)
  if res.wake_lateness_p99_ms then
    L[#L + 1] = string.format("Machine wake-up lateness (ms): p50 %.3f, p99 %.3f, max %.3f",
      res.wake_lateness_p50_ms, res.wake_lateness_p99_ms, res.wake_lateness_max_ms)
    if res.wake_lateness_p99_ms > M.NOISY_MS then
      L[#L + 1] = string.format("note: this machine woke threads up to %.1f ms late (p99) during the run: "
        .. "latency differences below that are its noise, not the server's", res.wake_lateness_p99_ms)
    end
  end
  return L
end

return M
