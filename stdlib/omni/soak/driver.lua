--- The soak's load driver: sends a slice of requests and returns what
--- happened to each, normalised. It is the one place that knows which engine
--- sends the load:
---   * "load": omni.core.load, the C engine of `omnilua bench` (send times on
---     the monotonic clock, concurrency cap, every answer read and timed in
---     C). About half the CPU and less memory per request than omni.http
---     (bench/soak: docs/guide/stability.md). It POSTs every request of a run
---     to one URL with one `stream` mode, does not retry, and counts an answer
---     without `choices` as failed, so it takes a slice of chat requests
---     that all stream or all do not, with `retries` 0.
---   * "batch": omni.http.batch (curl multi), for everything else: image
---     generation and speech (answers that are not chat JSON), slices that
---     mix streaming and not, retries.
--- "auto" (the default) picks "load" for each slice it fits.
---
---   local d = driver.new{ base_url = "http://127.0.0.1:8000", timeout = 300, retries = 0, concurrency = 8 }
---   local results = d:run(requests, start_at_ns)  -- start_at_ns: per request, or nil (as fast as allowed)
---   -- each {i, mix, ok, code, status, latency_ms, ttft_ms, tokens, t_end_ns, attempts, err}
local http = require "omni.http"
local load = require "omni.core.load"
local clock = require "omni.core.clock"
local cjson = require "cjson"

local M = {}

M.ENGINES = { auto = true, load = true, batch = true }
M.CHAT_PATH = "/v1/chat/completions"

local Driver = {}
Driver.__index = Driver

--- A driver for one server.
---@param opts {base_url: string, timeout: number, retries?: integer, concurrency: integer, headers?: table, engine?: "auto"|"load"|"batch"}
---@return table driver
function M.new(opts)
  assert(type(opts.base_url) == "string", "driver.new: base_url expected")
  local engine = opts.engine or "auto"
  if not M.ENGINES[engine] then error("driver.new: engine must be auto, load or batch, got " .. tostring(engine), 2) end
  return setmetatable({ base_url = opts.base_url:gsub("/+$", ""), timeout = opts.timeout or 300,
    retries = opts.retries or 0, concurrency = opts.concurrency or 8, headers = opts.headers, engine = engine,
    used = { load = 0, batch = 0 } }, Driver)
end

--- Points the driver at another server (a restarted one on a new port).
---@param base_url string
function Driver:set_base_url(base_url) self.base_url = base_url:gsub("/+$", "") end

--- Whether the C engine can send this slice (see the module comment).
---@param requests table[]
---@return boolean
function Driver:fits_load(requests)
  if self.engine == "batch" or self.retries > 0 or #requests == 0 then return false end
  local stream = requests[1].stream == true
  for _, r in ipairs(requests) do
    if r.path ~= M.CHAT_PATH or (r.stream == true) ~= stream or r.headers then return false end
  end
  return true
end

-- ------------------------------------------------------------ batch --

local function count_tokens(body)
  local n = body and body:match('"completion_tokens"%s*:%s*(%d+)')
  return n and tonumber(n) or nil
end

local JSON_HEADERS = { "Content-Type: application/json" } -- a table body gets it from omni.http

function Driver:run_batch(requests, start_at)
  local opts = {}
  for k, r in ipairs(requests) do
    opts[k] = {
      url = self.base_url .. r.path, method = "POST", body = r.body, stream = r.stream,
      headers = r.headers or self.headers or (type(r.body) == "string" and JSON_HEADERS or nil), timeout = self.timeout, retries = self.retries,
      retry_on = self.retries > 0 and { 502, 503, 504 } or nil,
      events = r.stream and "times" or nil, start_at_ns = start_at and start_at[k] or nil,
      api_key = false,
    }
  end
  local raw = http.batch(opts, { concurrency = self.concurrency })
  opts = nil -- the bodies can go while the results are read
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
    raw[k] = nil
    out[k] = r
  end
  return out
end

-- ------------------------------------------------------------- load --

-- The C engine's error text -> a code as omni.http names them.
local function load_code(status, err)
  if not err or err == "" then return "EOTHER" end
  local s = err:match("^HTTP (%d+)")
  if s then return "HTTP_" .. s end
  local c = err:match("^([%u_]+): ")
  if c then return c end
  if err:find("^error in the stream") then return "STREAM_ERROR" end
  if err:find("^Never received a valid chunk") then return "NO_CHUNKS" end
  if status and status ~= 200 then return "HTTP_" .. tostring(status) end
  return "BAD_ANSWER" -- not JSON, or no choices
end

local LOAD_HEADERS = { "Content-Type: application/json" }
local LOAD_SSE_HEADERS = { "Content-Type: application/json", "Accept: text/event-stream" }

function Driver:run_load(requests, start_at)
  local n = #requests
  local stream = requests[1].stream == true
  local run <close> = load.new { url = self.base_url .. M.CHAT_PATH, count = n, stream = stream,
    headers = stream and LOAD_SSE_HEADERS or LOAD_HEADERS, max_concurrency = self.concurrency, timeout = self.timeout }
  local t0 = start_at and start_at[1] or clock.now_ns()
  for k, r in ipairs(requests) do
    local body = type(r.body) == "string" and r.body or cjson.encode(r.body)
    run:add(body, start_at and (start_at[k] - t0) / 1e9 or 0)
  end
  -- an explicit t0: the engine's default waits for the queuing (4 us a
  -- request) so that a benchmark's first requests are not late; a soak's
  -- slice has no reason to idle
  t0 = run:start(t0 > 0 and t0 or 1)
  run:step(0)
  local recs = run:records()
  run:close()
  -- each record becomes the result (one table a request, not two)
  for k, x in ipairs(recs) do
    local q = requests[k]
    x.i, x.mix, x.ok, x.attempts = q.i, q.mix, x.success, 1
    if x.latency_s > 0 then
      x.latency_ms = x.latency_s * 1000
      x.t_end_ns = t0 + math.floor((x.start_s + x.latency_s) * 1e9)
    end
    if x.chunks > 0 then x.ttft_ms = x.ttft_s * 1000 end
    x.tokens = x.completion_tokens or x.chunks
    if not x.ok then x.code, x.err = load_code(x.status, x.error), x.error end
    x.text, x.itl_s = nil, nil
  end
  return recs
end

--- Sends the requests (at most `concurrency` in flight) and waits for all.
---@param requests table[] {i, mix, path, body, stream, headers?}
---@param start_at? integer[] monotonic send times (ns), one per request
---@return table[] results, in request order
function Driver:run(requests, start_at)
  if #requests == 0 then return {} end
  if self.engine ~= "batch" and self:fits_load(requests) then
    self.used.load = self.used.load + 1
    return self:run_load(requests, start_at)
  end
  if self.engine == "load" then
    error("driver: the load engine cannot send this slice (image generation, speech, mixed stream modes, headers or retries)", 2)
  end
  self.used.batch = self.used.batch + 1
  return self:run_batch(requests, start_at)
end

return M
