---@meta omni.core.metrics
--- omni.core.metrics (bindings/metrics.c): numpy-exact statistics,
--- mergeable histograms and a least-squares fit, computed in C. Tests and
--- benchmarks use omni.metrics (summary keyed like vllm, default histogram
--- settings); the histogram objects are the ones described here.
---
--- ```lua
--- local core = require "omni.core.metrics"
--- local s = core.stats({ 1, 2, 3, 4 }, { 50, 99 })   -- s.mean == 2.5, s.percentiles[2] == 3.97
--- local h = core.histogram(3, 0.001, 3600000)          -- 3 digits, 1 us .. 1 h in ms
--- h:record(12.5); print(h:quantile(0.5), h:serialize())
--- ```
local M = {}

---@class omni.core.metrics.Stats
---@field count integer
---@field mean number numpy's mean (pairwise summation)
---@field median number
---@field std number population standard deviation
---@field min number
---@field max number
---@field percentiles number[] one per requested percentile, linear interpolation

--- Statistics of `values` (numbers only, no NaN) with the given
--- percentiles (each in [0, 100]); an empty list gives zeros.
---@param values number[]
---@param percentiles number[]
---@return omni.core.metrics.Stats
function M.stats(values, percentiles) end

---@class omni.core.metrics.Histogram
local Histogram = {}

--- A new empty histogram: `digits` significant digits (1..5), buckets from
--- `resolution` (> 0) up to `highest` (at least 2 resolutions; larger values
--- are counted as `highest`). Bad settings raise.
---@param digits integer
---@param resolution number
---@param highest number
---@return omni.core.metrics.Histogram
function M.histogram(digits, resolution, highest) end

--- Rebuilds a histogram from `h:serialize()` text.
---@param text string
---@return omni.core.metrics.Histogram? h
---@return string? err
---@return string? code "EHIST"
function M.histogram_decode(text) end

--- Records value `v` (>= 0) `n` times (default 1).
---@param v number
---@param n? integer
function Histogram:record(v, n) end

--- Adds `other`'s buckets (same settings, else raises); returns self.
---@param other omni.core.metrics.Histogram
---@return omni.core.metrics.Histogram self
function Histogram:merge(other) end

--- The value at quantile `q` in [0, 1] (nearest rank, the bucket's highest value).
---@param q number
---@return number
function Histogram:quantile(q) end

--- Number of recorded values.
---@return integer
function Histogram:count() end

--- Mean of the recorded values (exact up to the resolution).
---@return number
function Histogram:mean() end

--- Smallest recorded value.
---@return number
function Histogram:min() end

--- Largest recorded value.
---@return number
function Histogram:max() end

--- How many values were above `highest` and counted as `highest`.
---@return integer
function Histogram:clamped() end

--- The settings the histogram was made with.
---@return {digits: integer, resolution: number, highest: number}
function Histogram:settings() end

--- A compact base64 text that `histogram_decode` reads back.
---@return string
function Histogram:serialize() end

--- Frees the buckets; harmless twice (also `<close>` and GC). Using it
--- afterwards raises "attempt to use a closed histogram".
function Histogram:close() end

---@class omni.core.metrics.Fit
---@field n integer points
---@field df integer degrees of freedom (n - 2)
---@field slope number
---@field intercept number
---@field r2 number
---@field slope_stderr number
---@field intercept_stderr number
---@field t number Student t quantile used for the interval
---@field slope_lo number lower end of the slope's confidence interval
---@field slope_hi number upper end
---@field confidence number

--- Least-squares line through (xs[i], ys[i]) with a `confidence` interval
--- (default 0.95) on the slope. Fewer than 2 points, equal xs or NaN:
--- `nil, why, "EFIT"`.
---@param xs number[]
---@param ys number[]
---@param confidence? number in (0, 1)
---@return omni.core.metrics.Fit? fit
---@return string? err
---@return string? code
function M.fit(xs, ys, confidence) end

--- The `p` quantile (0 < p < 1) of Student's t distribution with `df` > 0
--- degrees of freedom.
---@param p number
---@param df number
---@return number
function M.t_quantile(p, df) end

return M
