--- The soak's load driver: sends a slice of requests and returns what
--- happened to each, normalised. It is the one place that knows which engine
--- sends the load; today that is omni.http.batch (curl multi, keep-alive
--- within a slice). Swap the engine here and nothing else changes.
---
---   local d = driver.new{ base_url = "http://127.0.0.1:8000", timeout = 300, retries = 0, concurrency = 8 }
---   local results = d:run(requests, start_at_ns)  -- start_at_ns: per request, or nil (as fast as allowed)
---   -- each {i, mix, ok, code, status, latency_ms, ttft_ms, tokens, t_end_ns, attempts, err}
local http = require "omni.http"

local M = {}

local Driver = {}
Driver.__index = Driver

--- A driver for one server.
---@param opts {base_url: string, timeout: number, retries?: integer, concurrency: integer, headers?: table}
---@return table driver
function M.new(opts)
  assert(type(opts.base_url) == "string", "driver.new: base_url expected")
  return setmetatable({ base_url = opts.base_url:gsub("/+$", ""), timeout = opts.timeout or 300,
    retries = opts.retries or 0, concurrency = opts.concurrency or 8, headers = opts.headers }, Driver)
end

--- Points the driver at another server (a restarted one on a new port).
---@param base_url string
function Driver:set_base_url(base_url) self.base_url = base_url:gsub("/+$", "") end

local function count_tokens(body)
  local n = body and body:match('"completion_tokens"%s*:%s*(%d+)')
  return n and tonumber(n) or nil
end

--- Sends the requests (at most `concurrency` in flight) and waits for all.
---@param requests table[] {i, mix, path, body, stream, headers?}
---@param start_at? integer[] monotonic send times (ns), one per request
---@return table[] results, in request order
function Driver:run(requests, start_at)
  local opts = {}
  for k, r in ipairs(requests) do
    opts[k] = {
      url = self.base_url .. r.path, method = "POST", body = r.body, stream = r.stream,
      headers = r.headers or self.headers, timeout = self.timeout, retries = self.retries,
      retry_on = self.retries > 0 and { 502, 503, 504 } or nil,
      events = r.stream and "times" or nil, start_at_ns = start_at and start_at[k] or nil,
      api_key = false,
    }
  end
  local raw = http.batch(opts, { concurrency = self.concurrency })
  local out = {}
  for k, x in ipairs(raw) do
    local r = { i = requests[k].i, mix = requests[k].mix }
    local resp = x.ok and x or x.partial
    if x.ok and (x.status or 0) >= 200 and x.status < 300 then
      r.ok = true
    else
      r.ok = false
      r.code = x.ok and ("HTTP_" .. tostring(x.status)) or x.code or "EOTHER"
      r.err = x.err
    end
    if resp then
      r.status = resp.status
      r.attempts = resp.attempts
      local t0, t1 = resp.t_start_ns, resp.t_end_ns
      r.t_end_ns = t1
      if t0 and t1 and t1 > 0 then r.latency_ms = (t1 - t0) / 1e6 end
      local first = resp.event_times and resp.event_times[1] or resp.t_first_byte_ns
      if t0 and first and first > 0 then r.ttft_ms = (first - t0) / 1e6 end
      if resp.event_times then
        r.tokens = math.max(#resp.event_times - 1, 0)
      else
        r.tokens = count_tokens(resp.body)
      end
    end
    out[k] = r
  end
  return out
end

return M
