--- The soak's time series on disk: one JSON object per line, appended and
--- flushed as it is produced, so a soak killed at any moment leaves every
--- completed line readable, and `--resume` continues from the file.
---
--- Record kinds (field `kind`):
---   meta    {test, config, started_wall, omnilua_version}     first line of a run (one per resume)
---   sample  {t, rss_bytes, cpu_pct, procs, threads, vram_bytes?}  server resources
---   window  {index, t0, t1, requests, ok, errors, error_codes, p50_ms, p99_ms, ttft_p99_ms,
---            throughput_rps, tokens_per_s, hist, rss_mb, vram_mb}
---   event   {t, what, detail}  server_died, server_restarted, hook_failed, resumed, ...
---   end     {t, reason}        the run finished ("done", "budget", "server_dead", "interrupted")
--- `t` is seconds since the start of the soak, continued across resumes.
local cjson = require "cjson"

local M = {}

local Writer = {}
Writer.__index = Writer

--- Opens `path` for appending (created when missing).
---@param path string
---@return table? writer
---@return string? err
function M.open(path)
  local f, e = io.open(path, "ab")
  if not f then return nil, "cannot open " .. path .. ": " .. tostring(e) end
  -- A previous run killed in the middle of a line: end that line so that
  -- the next record starts on its own (the reader skips the broken one).
  local r = io.open(path, "rb")
  if r then
    local size = r:seek("end")
    if size > 0 then
      r:seek("set", size - 1)
      if r:read(1) ~= "\n" then f:write("\n") end
    end
    r:close()
  end
  return setmetatable({ f = f, path = path, lines = 0 }, Writer)
end

local function clean(v)
  if type(v) == "number" and (v ~= v or v == math.huge or v == -math.huge) then return cjson.null end
  if type(v) == "table" then
    local o = {}
    for k, x in pairs(v) do o[k] = clean(x) end
    return o
  end
  return v
end

--- Appends one record and flushes it to the kernel.
---@param rec table
function Writer:write(rec)
  self.f:write(cjson.encode(clean(rec)), "\n")
  self.f:flush()
  self.lines = self.lines + 1
end

function Writer:close()
  if self.f then self.f:close(); self.f = nil end
end
Writer.__close = Writer.close
Writer.__gc = Writer.close

--- Reads a series file. Lines that do not parse (a line cut by a kill) are
--- skipped and counted.
---@param path string
---@return table? series {meta = {..}, samples, windows, events, ends, skipped}
---@return string? err
---@return string? code "ENOENT"
function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil, "no series file " .. path, "ENOENT" end
  local s = { metas = {}, samples = {}, windows = {}, events = {}, ends = {}, skipped = 0 }
  for line in f:lines() do
    if line ~= "" then
      local ok, rec = pcall(cjson.decode, line)
      if not ok or type(rec) ~= "table" then
        s.skipped = s.skipped + 1
      elseif rec.kind == "meta" then s.metas[#s.metas + 1] = rec
      elseif rec.kind == "sample" then s.samples[#s.samples + 1] = rec
      elseif rec.kind == "window" then s.windows[#s.windows + 1] = rec
      elseif rec.kind == "event" then s.events[#s.events + 1] = rec
      elseif rec.kind == "end" then s.ends[#s.ends + 1] = rec
      else s.skipped = s.skipped + 1 end
    end
  end
  f:close()
  s.meta = s.metas[1]
  -- where the data stops: the latest time of any record
  local last = 0
  for _, list in ipairs({ s.samples, s.events, s.ends }) do
    if #list > 0 and type(list[#list].t) == "number" then last = math.max(last, list[#list].t) end
  end
  if #s.windows > 0 then last = math.max(last, s.windows[#s.windows].t1 or 0) end
  s.last_t = last
  s.finished = #s.ends > 0 and s.ends[#s.ends].reason == "done"
  return s
end

return M
