--- Windows of a soak: the requests that completed in [t0, t1) summarised as
--- latency percentiles (from histograms, so windows stay small however many
--- requests they hold), throughput and errors, plus the mean of the server
--- resource samples taken in the window. A window becomes a `window` record
--- of the series (omni.soak.series).
local metrics = require "omni.metrics"

local M = {}

local Window = {}
Window.__index = Window

--- A new open window.
---@param index integer 1-based
---@param t0 number seconds since the start of the soak
---@param t1 number
---@return table window
function M.new(index, t0, t1)
  return setmetatable({
    index = index, t0 = t0, t1 = t1, requests = 0, ok = 0, errors = 0, error_codes = {},
    tokens = 0, lat = metrics.histogram(), ttft = metrics.histogram(),
    rss_sum = 0, rss_n = 0, vram_sum = 0, vram_n = 0, cpu_sum = 0, cpu_n = 0, by_mix = {},
  }, Window)
end

--- Counts one finished request.
---@param r table {ok, code?, latency_ms?, ttft_ms?, tokens?, mix?}
function Window:add_result(r)
  self.requests = self.requests + 1
  if r.mix then self.by_mix[r.mix] = (self.by_mix[r.mix] or 0) + 1 end
  if r.ok then
    self.ok = self.ok + 1
    if r.latency_ms then self.lat:record(math.max(r.latency_ms, 0.001)) end
    if r.ttft_ms then self.ttft:record(math.max(r.ttft_ms, 0.001)) end
    self.tokens = self.tokens + (r.tokens or 0)
  else
    self.errors = self.errors + 1
    local c = r.code or "EOTHER"
    self.error_codes[c] = (self.error_codes[c] or 0) + 1
  end
end

--- Adds one resource sample (omni.soak.sampler's shape).
---@param s table {rss_bytes?, vram_bytes?, cpu_pct?}
function Window:add_sample(s)
  if s.rss_bytes and s.procs and s.procs > 0 then
    self.rss_sum, self.rss_n = self.rss_sum + s.rss_bytes / 1048576, self.rss_n + 1
  end
  if s.vram_bytes then self.vram_sum, self.vram_n = self.vram_sum + s.vram_bytes / 1048576, self.vram_n + 1 end
  if s.cpu_pct then self.cpu_sum, self.cpu_n = self.cpu_sum + s.cpu_pct, self.cpu_n + 1 end
end

local function round(x, d)
  if x == nil then return nil end
  local m = 10 ^ (d or 3)
  return math.floor(x * m + 0.5) / m
end

--- The window as a series record (and frees its histograms).
---@return table record
function Window:close()
  local span = self.t1 - self.t0
  local rec = {
    kind = "window", index = self.index, t0 = round(self.t0), t1 = round(self.t1),
    requests = self.requests, ok = self.ok, errors = self.errors, error_codes = self.error_codes,
    throughput_rps = span > 0 and round(self.ok / span, 4) or 0,
    tokens_per_s = span > 0 and round(self.tokens / span, 3) or 0,
    rss_mb = self.rss_n > 0 and round(self.rss_sum / self.rss_n) or nil,
    vram_mb = self.vram_n > 0 and round(self.vram_sum / self.vram_n) or nil,
    cpu_pct = self.cpu_n > 0 and round(self.cpu_sum / self.cpu_n, 2) or nil,
    by_mix = next(self.by_mix) and self.by_mix or nil,
  }
  if self.lat:count() > 0 then
    rec.p50_ms = round(self.lat:quantile(0.5))
    rec.p99_ms = round(self.lat:quantile(0.99))
    rec.mean_ms = round(self.lat:mean())
    rec.hist = self.lat:serialize()
  end
  if self.ttft:count() > 0 then
    rec.ttft_p50_ms = round(self.ttft:quantile(0.5))
    rec.ttft_p99_ms = round(self.ttft:quantile(0.99))
  end
  self.lat:close(); self.ttft:close()
  return rec
end

--- Latency percentiles over several window records, by merging their
--- histograms (exact as over all requests, to the histogram's precision).
---@param windows table[] window records
---@return table? {count, p50_ms, p99_ms}
function M.merged(windows)
  local h = metrics.histogram()
  for _, w in ipairs(windows) do
    if w.hist then
      local x = metrics.histogram_from(w.hist)
      if x then h:merge(x); x:close() end
    end
  end
  local n = h:count()
  local out = n > 0 and { count = n, p50_ms = h:quantile(0.5), p99_ms = h:quantile(0.99) } or nil
  h:close()
  return out
end

return M
