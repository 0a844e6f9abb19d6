--- omni.metrics: the numbers a benchmark reports, computed in C.
---
--- `summary` reproduces `vllm bench serve` exactly (numpy's mean with
--- pairwise summation, median, population std, linear-interpolation
--- percentiles). Histograms are mergeable across shards and hosts: merging
--- is bucket addition, so merged percentiles equal those of one histogram
--- over all samples. `fit` gives a trend line with a confidence interval on
--- its slope (L5 stability: "does memory grow?").
---
--- ```lua
--- local metrics = require "omni.metrics"
--- local s = metrics.summary({ 0.1, 0.2, 0.15 }, { percentiles = { 50, 99 }, scale = 1000 })
--- -- s.mean, s.median, s.std, s.p50, s.p99 (in ms: scale multiplies the results, as vllm does)
--- local h = metrics.histogram()            -- values in ms, 1 us .. 1 h, 3 significant digits
--- h:record(12.5); h:merge(metrics.histogram_from(other_host_text))
--- print(h:quantile(0.99), h:count(), h:mean(), h:serialize())
--- local f = metrics.fit({ 0, 60, 120 }, { 100, 101, 103 })   -- f.slope, f.slope_lo, f.slope_hi
--- ```
local core = require "omni.core.metrics"

local M = {}

--- The result key of a percentile, as vllm names it: 99 -> "p99", 99.9 -> "p99.9".
---@param p number
---@return string
function M.percentile_key(p)
  if p == math.floor(p) then return "p" .. string.format("%d", p) end
  for digits = 15, 17 do -- shortest text that reads back as p (Python's str(float))
    local s = string.format("%." .. digits .. "g", p)
    if tonumber(s) == p then return "p" .. s end
  end
  return "p" .. string.format("%.17g", p)
end

---@class omni.metrics.Summary
---@field count integer
---@field mean number
---@field median number
---@field std number population standard deviation (ddof 0)
---@field min number
---@field max number
---@field [string] number pNN for each requested percentile

--- Mean, median, std (population), min, max and percentiles of a list, as
--- numpy computes them for vllm: an empty list gives zeros.
---@param values number[]
---@param opts? {percentiles?: number[], scale?: number} percentiles in [0, 100] (default {99}, vllm's default); scale multiplies every result (1000: s -> ms)
---@return omni.metrics.Summary
function M.summary(values, opts)
  if type(values) ~= "table" then
    error("bad argument #1 to 'summary' (table expected, got " .. type(values) .. ")", 2)
  end
  opts = opts or {}
  local pcts = opts.percentiles or { 99 }
  local scale = opts.scale or 1
  if type(pcts) ~= "table" then error("bad argument #2 to 'summary' (percentiles must be a list)", 2) end
  if type(scale) ~= "number" then error("bad argument #2 to 'summary' (scale must be a number)", 2) end
  local s = core.stats(values, pcts)
  local out = { count = s.count }
  for _, k in ipairs({ "mean", "median", "std", "min", "max" }) do out[k] = s[k] * scale end
  for i, p in ipairs(pcts) do out[M.percentile_key(p)] = s.percentiles[i] * scale end
  return out
end

--- A new empty histogram. Values are in the unit you choose; the defaults
--- suit milliseconds: 1 microsecond resolution up to 1 hour, 3 significant
--- digits (any quantile within 0.1% + half a resolution of the exact value).
--- Values above `highest` are counted as `highest` (see `h:clamped()`).
---
--- Methods: `record(v [, n])`, `merge(other)` (same settings; returns self),
--- `quantile(q)` (q in [0, 1], nearest rank, the bucket's highest value),
--- `count()`, `mean()`, `min()`, `max()` (exact up to the resolution),
--- `clamped()`, `settings()`, `serialize()` (a base64 string), `close()`.
---@param opts? {digits?: integer, resolution?: number, highest?: number}
---@return userdata histogram
function M.histogram(opts)
  opts = opts or {}
  return core.histogram(opts.digits or 3, opts.resolution or 0.001, opts.highest or 3600e3)
end

--- Rebuilds a histogram from `h:serialize()` text (e.g. from another host's result JSON).
---@param text string
---@return userdata? histogram
---@return string? err "invalid histogram: ..."
---@return string? code "EHIST"
function M.histogram_from(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'histogram_from' (string expected, got " .. type(text) .. ")", 2)
  end
  return core.histogram_decode(text)
end

--- Count, mean, min, max and percentiles of a histogram, keyed like `summary`
--- (no median/std: a histogram keeps buckets, not samples; p50 is its median).
---@param h userdata a histogram
---@param opts? {percentiles?: number[], scale?: number}
---@return table
function M.histogram_summary(h, opts)
  opts = opts or {}
  local scale = opts.scale or 1
  local out = { count = h:count(), mean = h:mean() * scale, min = h:min() * scale, max = h:max() * scale }
  for _, p in ipairs(opts.percentiles or { 99 }) do
    out[M.percentile_key(p)] = h:quantile(p / 100) * scale
  end
  return out
end

---@class omni.metrics.Fit
---@field n integer
---@field df integer n - 2
---@field slope number
---@field intercept number
---@field r2 number 0 when all y are equal
---@field slope_stderr number NaN with 2 points
---@field intercept_stderr number
---@field t number the Student-t quantile used
---@field slope_lo number lower bound of the slope's confidence interval (-inf with 2 points)
---@field slope_hi number upper bound
---@field confidence number

--- Least-squares line through (xs[i], ys[i]) with a two-sided Student-t
--- confidence interval for the slope (scipy.stats.linregress's formulas).
--- A trend is significant when the interval excludes 0.
---@param xs number[]
---@param ys number[]
---@param opts? {confidence?: number} default 0.95
---@return omni.metrics.Fit? fit
---@return string? err fewer than 2 points, all x equal, or a NaN/inf value
---@return string? code "EFIT"
function M.fit(xs, ys, opts)
  return core.fit(xs, ys, opts and opts.confidence or 0.95)
end

--- Quantile of Student's t distribution (P(T <= t) = p).
---@param p number in (0, 1)
---@param df number degrees of freedom > 0
---@return number
function M.t_quantile(p, df) return core.t_quantile(p, df) end

return M
