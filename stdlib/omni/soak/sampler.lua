--- The server's resources over time: RSS, CPU and process count of its whole
--- process group (omni.core.procstat: a C thread reading /proc, no Lua in
--- the sampling) and the GPUs' memory in use (omni.gpu's sampler thread).
--- `drain()` turns what the threads collected into series `sample` records.
local procstat = require "omni.core.procstat"
local gpu = require "omni.gpu"

local M = {}

local Sampler = {}
Sampler.__index = Sampler

--- Starts sampling.
---@param opts {pgid?: integer, interval: number, t0_ns: integer, t_offset?: number, gpu?: boolean}
---  t0_ns: monotonic time of t = t_offset (seconds since the soak began)
---@return table sampler
function M.start(opts)
  local s = setmetatable({ interval = opts.interval, t0_ns = opts.t0_ns, t_offset = opts.t_offset or 0,
    gpu_next = 1 }, Sampler)
  if opts.pgid then
    s.ps = assert(procstat.sampler(opts.pgid, opts.interval))
  end
  if opts.gpu ~= false then
    local ok, why = gpu.available()
    if ok then
      local g, err = gpu.sampler { interval = opts.interval }
      if g and g:start() then s.gpu = g else s.vram_missing = "cannot sample the GPUs: " .. tostring(err) end
    else
      s.vram_missing = why
    end
  end
  return s
end

--- Follows another process group from the next tick (a restarted server).
---@param pgid integer
function Sampler:set_group(pgid)
  if self.ps then self.ps:set_group(pgid) else self.ps = assert(procstat.sampler(pgid, self.interval)) end
  self.last_cpu = nil
end

--- The samples taken since the last drain, as series records
--- {kind="sample", t, procs, rss_bytes, cpu_pct, threads, vram_bytes?, self_rss_bytes, self_cpu_s}.
---@return table[]
function Sampler:drain()
  local out = {}
  local vram = {}
  if self.gpu then
    for _, g in ipairs(self.gpu:samples(self.gpu_next)) do
      local sum = 0
      for _, b in ipairs(g.used_bytes) do sum = sum + b end
      vram[#vram + 1] = { t_ns = g.t_ns, bytes = sum }
      self.gpu_next = self.gpu_next + 1
    end
  end
  local me = procstat.self()
  local self_rss = me and me.rss_bytes or nil
  local self_cpu = me and me.cpu_s or nil
  local gi = 1
  for _, x in ipairs(self.ps and self.ps:drain() or {}) do
    local rec = { kind = "sample", t = self.t_offset + (x.t_ns - self.t0_ns) / 1e9, procs = x.procs,
      rss_bytes = x.rss_bytes, threads = x.threads, self_rss_bytes = self_rss, self_cpu_s = self_cpu }
    rec.t = math.floor(rec.t * 1000 + 0.5) / 1000
    -- CPU use between two samples of the same group, in % of one core
    local last = self.last_cpu
    if last and last.pgid == x.pgid and x.procs > 0 and x.t_ns > last.t_ns then
      rec.cpu_pct = math.max(0, (x.cpu_s - last.cpu_s) / ((x.t_ns - last.t_ns) / 1e9) * 100)
      rec.cpu_pct = math.floor(rec.cpu_pct * 100 + 0.5) / 100
    end
    self.last_cpu = { pgid = x.pgid, cpu_s = x.cpu_s, t_ns = x.t_ns }
    while vram[gi + 1] and vram[gi + 1].t_ns <= x.t_ns do gi = gi + 1 end
    if vram[gi] then rec.vram_bytes = vram[gi].bytes else rec.vram_bytes = self.last_vram end
    out[#out + 1] = rec
  end
  if #vram > 0 then self.last_vram = vram[#vram].bytes end
  if #out == 0 and not self.ps and self.gpu then
    for _, v in ipairs(vram) do
      out[#out + 1] = { kind = "sample", t = self.t_offset + (v.t_ns - self.t0_ns) / 1e9, vram_bytes = v.bytes, self_rss_bytes = self_rss, self_cpu_s = self_cpu }
    end
  end
  return out
end

--- Stops both threads (the last samples stay drainable).
function Sampler:stop()
  if self.ps then self.ps:stop() end
  if self.gpu then self.gpu:stop() end
end

function Sampler:close()
  if self.ps then self.ps:close(); self.ps = nil end
  if self.gpu then
    self.gpu:stop()
    if self.gpu.close then self.gpu:close() end
    self.gpu = nil
  end
end

return M
