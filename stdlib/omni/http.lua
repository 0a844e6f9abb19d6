--- omni.http: HTTP requests and server-sent-event streams on the C engine
--- (libcurl multi). Every chunk and event carries its arrival time on the
--- monotonic clock (`t_ns`, nanoseconds, comparable with omni.core.clock.now_ns).
---
--- ```lua
--- local http = require "omni.http"
--- local resp, err, code = http.request{ url = base .. "/v1/models", timeout = 10 }
--- local s = http.stream{ url = base .. "/v1/chat/completions", body = { model = m, messages = msgs, stream = true } }
--- for _, ev in ipairs(s.events) do print(ev.t_ns, ev.data) end
--- local results = http.batch({ req1, req2 }, { concurrency = 8 })
--- ```
--- Expected failures return `nil, message, code[, partial_response]`; codes are
--- ECONNREFUSED, ECONNRESET, TRUNCATED, TIMEOUT, IDLE_TIMEOUT, TOO_LARGE,
--- BAD_STREAM, ERESOLVE, ETLS, EPROTO, ENOMEM, EOTHER, INTERRUPTED (the
--- runner stopped the test: a timeout or a stopped run) and, for streams,
--- HTTP_STATUS (non-2xx answer) and STREAM_ERROR (an error event mid-stream).
--- The API key (opts.api_key or $OPENAI_API_KEY) is sent as a bearer token and
--- replaced by "***" in every message.
local core = require "omni.core.http"
local cjson = require "cjson"

local M = {}

---@class omni.HttpOptions
---@field url string
---@field method? string default GET, or POST with a body
---@field headers? table<string,string>|string[] name -> value, or "Name: value" lines
---@field body? string|table a table is sent as JSON (Content-Type application/json)
---@field timeout? number total seconds per attempt (default 300)
---@field connect_timeout? number seconds (default 10)
---@field idle_timeout? number seconds without any byte before giving up
---@field retries? integer extra attempts on connection errors and retry_on codes (default 0)
---@field retry_on? integer[] status codes to retry, e.g. {502, 503}
---@field backoff? number first retry delay in seconds, doubled each time (default 0.2)
---@field max_bytes? integer cap on the body size (default 256 MiB)
---@field api_key? string|false bearer token; default $OPENAI_API_KEY; false: none
---@field insecure? boolean https without certificate checks
---@field cainfo? string https: a PEM file of CA certificates to verify the server with (e.g. a test server's self-signed certificate)
---@field transport? "auto"|"curl" "auto" (default): plain http:// to an IPv4 address goes through the native HTTP/1.1 reader, the rest through libcurl; "curl": always libcurl
---@field chunks? boolean keep {t_ns, size} of every body chunk
---@field start_at_ns? integer monotonic time at which to send
---@field events? "full"|"times"|"none" streams: keep events, only their times, or nothing
---@field done_marker? string|false streams: data that ends the stream (default "[DONE]")
---@field max_line? integer streams: longest accepted SSE line (default 1 MiB)
---@field json? boolean streams: decode each event's data as JSON (ev.json); failure is BAD_STREAM

---@class omni.Response
---@field status integer
---@field headers table<string,string> lower-case names
---@field body string
---@field chunks? {t_ns: integer, size: integer}[]
---@field events? {data: string, event?: string, t_ns: integer}[]
---@field event_times? integer[]
---@field t_start_ns integer
---@field t_first_byte_ns integer
---@field t_end_ns integer
---@field attempts integer

local DEFAULT_TIMEOUT, DEFAULT_MAX = 300, 256 * 1024 * 1024

local function secret(opts, env_key)
  if opts.api_key == false then return nil end
  local k = opts.api_key
  if k == nil then k = env_key or os.getenv("OPENAI_API_KEY") end
  if k == "" then return nil end
  return k
end

--- Replaces the secret (and any user:password in URLs) by "***".
---@param msg string
---@param key? string
---@return string
function M.mask(msg, key)
  msg = tostring(msg)
  if key and #key > 0 then
    msg = msg:gsub(key:gsub("%p", "%%%0"), "***")
  end
  return (msg:gsub("(%a[%w+.-]*://)[^/@%s]+@", "%1***@"))
end

local function ms(seconds, name)
  if seconds == nil then return nil end
  if type(seconds) ~= "number" or seconds < 0 then
    error(string.format("bad option '%s' (non-negative number of seconds expected, got %s)", name,
      tostring(seconds)), 4)
  end
  return math.max(1, math.floor(seconds * 1000 + 0.5))
end

local function header_lines(h)
  local out, ctype = {}, false
  if h == nil then return out, ctype end
  if type(h) ~= "table" then error("bad option 'headers' (table expected)", 4) end
  for k, v in pairs(h) do
    local line = type(k) == "number" and tostring(v) or (tostring(k) .. ": " .. tostring(v))
    if line:find("[\r\n]") then error("bad option 'headers' (line break in a header)", 4) end
    if #line >= 13 and line:sub(1, 13):lower() == "content-type:" then ctype = true end
    out[#out + 1] = line
  end
  return out, ctype
end

-- env_key: $OPENAI_API_KEY, read once per batch.
local function to_core(opts, stream, env_key)
  if type(opts) ~= "table" then error("bad argument #1 (table expected, got " .. type(opts) .. ")", 3) end
  if type(opts.url) ~= "string" or opts.url == "" then error("bad option 'url' (string expected)", 3) end
  local headers, has_ctype = header_lines(opts.headers)
  local body = opts.body
  if type(body) == "table" then
    body = cjson.encode(body)
    if not has_ctype then headers[#headers + 1] = "Content-Type: application/json" end
  elseif body ~= nil and type(body) ~= "string" then
    error("bad option 'body' (string or table expected)", 3)
  end
  if stream then headers[#headers + 1] = "Accept: text/event-stream" end
  local retry_on = opts.retry_on
  if retry_on ~= nil and type(retry_on) ~= "table" then error("bad option 'retry_on' (table expected)", 3) end
  if opts.cainfo ~= nil and type(opts.cainfo) ~= "string" then error("bad option 'cainfo' (string expected)", 3) end
  local transport = opts.transport or "auto"
  if transport ~= "auto" and transport ~= "curl" then
    error("bad option 'transport' (\"auto\" or \"curl\" expected)", 3)
  end
  local events = opts.events or "full"
  if events ~= "full" and events ~= "times" and events ~= "none" then
    error("bad option 'events' (\"full\", \"times\" or \"none\" expected)", 3)
  end
  return {
    url = opts.url, method = opts.method and opts.method:upper(), headers = headers, body = body,
    bearer = secret(opts, env_key),
    timeout_ms = ms(opts.timeout or DEFAULT_TIMEOUT, "timeout"),
    connect_timeout_ms = ms(opts.connect_timeout, "connect_timeout"),
    idle_timeout_ms = ms(opts.idle_timeout, "idle_timeout"),
    retries = opts.retries or 0, retry_on = retry_on, backoff_ms = ms(opts.backoff, "backoff"),
    max_bytes = opts.max_bytes or DEFAULT_MAX, max_line = opts.max_line,
    sse = stream or nil, events = events, keep_body = not stream or nil,
    chunks = opts.chunks or nil, start_at_ns = opts.start_at_ns, insecure = opts.insecure or nil, cainfo = opts.cainfo,
    use_curl = transport == "curl" or nil,
  }
end

local function describe(opts, core_req)
  return (core_req.method or (core_req.body and "POST" or "GET")) .. " " .. opts.url
end

-- Turns a core result into (resp) or (nil, err, code, partial).
local function finish(opts, core_req, r, stream)
  r.raw_headers = nil -- r.headers: parsed by the binding
  local key = core_req.bearer
  if r.code then
    local code, err = r.code, r.err
    r.code, r.err = nil, nil
    if code == "TIMEOUT" and err:match("^timeout after") then
      err = string.format("timeout after %g s", core_req.timeout_ms / 1000)
    end
    return nil, M.mask(describe(opts, core_req) .. ": " .. err, key), code, r
  end
  if not stream then
    r.body = r.body or ""
    return r
  end
  if (r.status or 0) < 200 or r.status >= 300 then
    local excerpt = (r.body or ""):sub(1, 300)
    return nil, M.mask(string.format("%s: HTTP %d: %s", describe(opts, core_req), r.status or 0, excerpt), key), "HTTP_STATUS", r
  end
  r.events = r.events or (core_req.events == "full" and {} or nil)
  if r.events then
    for i, ev in ipairs(r.events) do
      if ev.data:sub(1, 9) == '{"error":' or ev.data:match('^%s*{%s*"error"%s*:') then
        return nil, M.mask(string.format("%s: error event %d in the stream: %s", describe(opts, core_req), i, ev.data:sub(1, 300)), key),
          "STREAM_ERROR", r
      end
    end
  end
  local done = opts.done_marker
  if done == nil then done = "[DONE]" end
  if opts.json and r.events then
    for i, ev in ipairs(r.events) do
      if ev.data ~= done then
        local ok, v = pcall(cjson.decode, ev.data)
        if not ok then
          return nil, M.mask(string.format("%s: event %d is not valid JSON (%s): %s", describe(opts, core_req), i,
            tostring(v):gsub("^.-: ", ""), ev.data:sub(1, 200)), key), "BAD_STREAM", r
        end
        ev.json = v
      end
    end
  end
  if r.stream_partial then
    return nil, M.mask(describe(opts, core_req) .. ": the stream ended in the middle of an event", key), "TRUNCATED", r
  end
  if done and r.events then
    local last = r.events[#r.events]
    if not last or last.data ~= done then
      return nil, M.mask(string.format("%s: the stream ended without %s", describe(opts, core_req), done), key), "TRUNCATED", r
    end
  end
  return r
end

--- Sends one request and reads the whole answer. Any HTTP status is an answer
--- (check resp.status); transport failures return nil, err, code.
---@param opts omni.HttpOptions
---@return omni.Response? resp, string? err, string? code, table? partial
function M.request(opts)
  local req = to_core(opts, false)
  local r = core.run({ req }, { concurrency = 1 })[1]
  return finish(opts, req, r, false)
end

--- Sends one request and reads its answer as server-sent events
--- (resp.events, each {data, event?, t_ns}). A non-2xx status, an error event,
--- a cut or malformed stream are failures: nil, err, code, partial.
---@param opts omni.HttpOptions
---@return omni.Response? resp, string? err, string? code, table? partial
function M.stream(opts)
  local req = to_core(opts, true)
  local r = core.run({ req }, { concurrency = 1 })[1]
  return finish(opts, req, r, true)
end

--- Runs many requests at once (at most `concurrency` in flight) and returns
--- one result per request, in request order: the response, with `ok = true`,
--- or `{ ok = false, err = ..., code = ..., partial = ... }`. A request with
--- `stream = true` is read as an SSE stream.
---@param requests omni.HttpOptions[]
---@param opts? {concurrency?: integer}
---@return table[]
function M.batch(requests, opts)
  if type(requests) ~= "table" then error("bad argument #1 to 'batch' (table expected)", 2) end
  opts = opts or {}
  local conc = opts.concurrency or 16
  if math.type(conc) ~= "integer" or conc < 1 then
    error("bad option 'concurrency' (positive integer expected)", 2)
  end
  local reqs = {}
  local env_key = os.getenv("OPENAI_API_KEY")
  for i, o in ipairs(requests) do reqs[i] = to_core(o, o.stream == true, env_key) end
  local raw = core.run(reqs, { concurrency = conc })
  local out = {}
  for i, r in ipairs(raw) do
    local resp, err, code, partial = finish(requests[i], reqs[i], r, requests[i].stream == true)
    if resp then
      resp.ok = true
      out[i] = resp
    else
      out[i] = { ok = false, err = err, code = code, partial = partial }
    end
  end
  return out
end

M.codes = core.codes

return M
