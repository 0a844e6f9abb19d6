--- omni.openai: the OpenAI-compatible client the suites use (the reference's
--- OpenAIClientHandler): chat completions with text and audio output,
--- streaming or not, image generation, speech and the model list.
--- `send_request` sends n requests at once and validates every answer by
--- run level (see omni.openai.checks); a failed check fails the test with a
--- message naming the check, the request and the relevant part of the answer.
---
--- ```lua
--- local openai = require "omni.openai"
--- local client = openai.new{ base_url = server.base_url, run_level = "advanced_model" }
--- local responses = client:send_request({
---   model = server.model, stream = true,
---   messages = { { role = "user", content = "What is the capital of China?" } },
---   key_words = { text = { "beijing" } },
--- }, { request_num = 4 })
--- print(responses[1].text, responses[1].audio_duration, responses[1].ttft)
--- ```
--- The API key (opts.api_key, else $OPENAI_API_KEY) travels only as a bearer
--- token: it is kept out of the client's fields, and masked in every message.
local http = require "omni.http"
local parse = require "omni.openai.chat_parse"
local checks = require "omni.openai.checks"
local excerpt = require "omni.openai.excerpt"
local verdict = require "omni.openai.verdict"

local M = {}

---@class omni.openai.Client
---@field base_url string e.g. "http://127.0.0.1:8000/v1"
---@field run_level string "core_model" | "advanced_model"
---@field timeout number total seconds per request
---@field idle_timeout number seconds without a byte before a stream is given up
---@field connect_timeout number
---@field retries integer extra attempts on connection errors
local Client = {}
Client.__index = Client
Client.__name = "omni.openai.Client"
Client.__tostring = function(c) return string.format("omni.openai.Client(%s, %s)", c.base_url, c.run_level) end

local secrets = setmetatable({}, { __mode = "k" }) -- client -> api key, never a field

local LEVELS = { core_model = true, advanced_model = true }
-- Sampling fields passed to the server when a config sets them.
local PASSTHROUGH = { "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed",
  "ignore_eos", "n", "stop", "presence_penalty", "frequency_penalty", "repetition_penalty", "user" }
local CHECK_OF_CODE = {
  HTTP_STATUS = "status", STREAM_ERROR = "stream_error", TIMEOUT = "timeout", IDLE_TIMEOUT = "timeout",
  TRUNCATED = "truncated", BAD_STREAM = "protocol", TOO_LARGE = "size",
}

local function num_opt(opts, name, default)
  local v = opts[name]
  if v == nil then return default end
  if type(v) ~= "number" or v < 0 then
    error(string.format("omni.openai.new: '%s' must be a non-negative number, got %s", name, tostring(v)), 3)
  end
  return v
end

--- A client for one server.
---@param opts {base_url: string, api_key?: string|false, run_level?: string, timeout?: number, idle_timeout?: number, connect_timeout?: number, retries?: integer, max_bytes?: integer}
---@return omni.openai.Client
function M.new(opts)
  if type(opts) ~= "table" then error("bad argument #1 to 'new' (table expected, got " .. type(opts) .. ")", 2) end
  if type(opts.base_url) ~= "string" or not opts.base_url:match("^https?://") then
    error("omni.openai.new: base_url must be an http(s) URL such as http://127.0.0.1:8000/v1, got " ..
      tostring(opts.base_url), 2)
  end
  local level = opts.run_level or "core_model"
  if not LEVELS[level] then
    error("omni.openai.new: run_level must be core_model or advanced_model, got " .. tostring(level), 2)
  end
  local c = setmetatable({
    base_url = (opts.base_url:gsub("/+$", "")), run_level = level,
    timeout = num_opt(opts, "timeout", 600), idle_timeout = num_opt(opts, "idle_timeout", 120),
    connect_timeout = num_opt(opts, "connect_timeout", 10), retries = opts.retries or 0,
    max_bytes = opts.max_bytes,
  }, Client)
  local key = opts.api_key
  if key == nil then key = os.getenv("OPENAI_API_KEY") end
  if key == "" then key = nil end
  secrets[c] = key or false
  return c
end

--- Masks the client's key in any text (for callers that print answers).
---@param s string
---@return string
function Client:mask(s) return http.mask(s, secrets[self] or nil) end

function Client:http_opts(path, body, stream, extra_headers)
  return {
    url = self.base_url .. path, method = body and "POST" or "GET", body = body, stream = stream,
    api_key = secrets[self], timeout = self.timeout, connect_timeout = self.connect_timeout,
    idle_timeout = stream and self.idle_timeout or nil, retries = self.retries,
    headers = extra_headers, max_bytes = self.max_bytes,
  }
end

--- The served models' ids.
---@return string[]? ids, string? err, string? code
function Client:models()
  local r, err, code = http.request(self:http_opts("/models"))
  if not r then return nil, err, code end
  if r.status ~= 200 then
    return nil, self:mask(string.format("GET %s/models: HTTP %d: %s", self.base_url, r.status, excerpt.trim(r.body))), "HTTP_STATUS"
  end
  local ok, doc = pcall(require("cjson").decode, r.body)
  if not ok or type(doc) ~= "table" or type(doc.data) ~= "table" then
    return nil, string.format("GET %s/models: not a model list: %s", self.base_url, excerpt.trim(r.body)), "BAD_JSON"
  end
  local ids = {}
  for _, m in ipairs(doc.data) do
    if type(m) == "table" and type(m.id) == "string" then ids[#ids + 1] = m.id end
  end
  return ids
end

-- ---------------------------------------------------------------- failures --

local function transport_failure(resp, res)
  local check = CHECK_OF_CODE[res.code] or "connection"
  local msg = res.err or "request failed"
  local p = res.partial
  if p and p.events and #p.events > 0 then
    local lines = {}
    for i = math.max(1, #p.events - 2), #p.events do lines[#lines + 1] = "data: " .. p.events[i].data end
    msg = string.format("%s\n  after %d events; the last: %s", msg, #p.events,
      excerpt.trim(table.concat(lines, "\n"), 400))
  end
  resp.status = p and p.status
  checks.fail(resp, check, msg, res.code)
end

-- "file:line" of the test line that called a public method.
local function caller_where()
  local info = debug.getinfo(3, "Sl")
  if info and info.currentline and info.currentline > 0 then return info.short_src .. ":" .. info.currentline end
end

local function conclude(self, kind, cfg, level, responses, opts, where)
  return verdict.conclude(responses, {
    who = "openai_client", kind = kind, model = cfg.model, level = level, where = where,
    raise = opts.raise ~= false, secret = secrets[self] or nil,
  })
end

local function check_opts(self, opts, fname, lvl)
  if type(opts) ~= "table" then error(string.format("bad argument #2 to '%s' (table expected, got %s)", fname, type(opts)), lvl + 1) end
  local n = opts.request_num or 1
  if math.type(n) ~= "integer" or n < 1 then
    error(string.format("%s: request_num must be a positive integer, got %s", fname, tostring(n)), lvl + 1)
  end
  local level = opts.run_level or self.run_level
  if not LEVELS[level] then error(fname .. ": run_level must be core_model or advanced_model", lvl + 1) end
  return n, level
end

-- ------------------------------------------------------------------- chat --

--- Parses and checks one chat answer: `res` is an omni.http.batch result
--- (a response with ok = true, or {ok = false, err, code, partial}). Used by
--- send_request; public so that answers from elsewhere can be checked.
---@param index integer
---@param res table
---@param cfg table the request config, with modalities set
---@param level string
---@param stream boolean
---@return omni.openai.Response resp with resp.failures filled
function M.chat_response(index, res, cfg, level, stream)
  local resp = parse.new(index, stream)
  if not res.ok then
    transport_failure(resp, res)
    parse.finish(resp, res.partial)
    return resp
  end
  resp.status = res.status
  if res.status < 200 or res.status >= 300 then
    checks.fail(resp, "status", string.format("HTTP %d: %s", res.status, excerpt.trim(res.body)), "HTTP_STATUS")
  elseif stream then
    parse.events(resp, res.events)
    parse.finish(resp, res)
    checks.chat(resp, cfg, level)
  else
    parse.body(resp, res.body)
    parse.finish(resp, res)
    checks.chat(resp, cfg, level)
  end
  return resp
end

local function chat_body(cfg)
  local body = { model = cfg.model, messages = cfg.messages, stream = cfg.stream == true }
  if cfg.modalities ~= nil and cfg.send_modalities ~= false then body.modalities = cfg.modalities end
  if body.stream and cfg.usage then body.stream_options = { include_usage = true } end
  for _, k in ipairs(PASSTHROUGH) do if cfg[k] ~= nil then body[k] = cfg[k] end end
  for k, v in pairs(cfg.extra_body or {}) do body[k] = v end
  return body
end

local function check_chat_config(cfg)
  if type(cfg) ~= "table" then error("bad argument #1 to 'send_request' (table expected, got " .. type(cfg) .. ")", 3) end
  if type(cfg.model) ~= "string" or cfg.model == "" then error("send_request: config.model must be a non-empty string", 3) end
  if type(cfg.messages) ~= "table" or #cfg.messages == 0 then
    error("send_request: config.messages must be a non-empty list of messages", 3)
  end
  if cfg.key_words ~= nil then
    if type(cfg.key_words) ~= "table" then error("send_request: config.key_words must be a table of word lists", 3) end
    for g, words in pairs(cfg.key_words) do
      if type(words) ~= "table" or #words == 0 then
        error(string.format("send_request: key_words.%s must be a non-empty list of words", tostring(g)), 3)
      end
    end
  end
  local mods = cfg.modalities or { "text", "audio" }
  for _, m in ipairs(mods) do
    if m ~= "text" and m ~= "audio" then error("send_request: unknown modality '" .. tostring(m) .. "' (text or audio)", 3) end
  end
  return mods
end

--- Sends `opts.request_num` chat completions at once (default 1) and checks
--- each answer at the run level. config: model, messages, stream (default
--- false), modalities (default {"text","audio"}; sent to the server only when
--- given), key_words ({group = {words}}), usage (ask for and check usage),
--- max_tokens/temperature/seed/..., extra_body (merged into the body),
--- extra_headers. opts: request_num, concurrency (default request_num),
--- run_level (default the client's), raise (default true: a failed check
--- fails the test; false: only mark the response).
---@param config table
---@param opts? {request_num?: integer, concurrency?: integer, run_level?: string, raise?: boolean}
---@return omni.openai.Response[]
function Client:send_request(config, opts)
  local mods = check_chat_config(config)
  opts = opts or {}
  local n, level = check_opts(self, opts, "send_request", 2)
  local where = caller_where()
  local cfg = setmetatable({ modalities = mods }, { __index = config })
  local stream = config.stream == true
  local body = chat_body(config)
  local reqs = {}
  for i = 1, n do reqs[i] = self:http_opts("/chat/completions", body, stream, config.extra_headers) end
  local results = http.batch(reqs, { concurrency = opts.concurrency or n })
  local responses = {}
  for i, res in ipairs(results) do responses[i] = M.chat_response(i, res, cfg, level, stream) end
  local out = conclude(self, stream and "chat stream" or "chat", config, level, responses, opts, where)
  return out
end
Client.send_omni_request = Client.send_request

-- ------------------------------------------------------- images, speech --

local function simple(self, kind, path, config, body, opts, check, where)
  opts = opts or {}
  local n, level = check_opts(self, opts, kind, 3)
  local reqs = {}
  for i = 1, n do reqs[i] = self:http_opts(path, body, false, config.extra_headers) end
  local results = http.batch(reqs, { concurrency = opts.concurrency or n })
  local responses = {}
  for i, res in ipairs(results) do
    local resp = { index = i, failures = {}, notes = {}, success = false }
    if not res.ok then
      transport_failure(resp, res)
    else
      resp.status, resp.body = res.status, res.body
      resp.e2e_latency = (res.t_end_ns - res.t_start_ns) / 1e9
      if res.status ~= 200 then
        checks.fail(resp, "status", string.format("HTTP %d: %s", res.status, excerpt.trim(res.body)), "HTTP_STATUS")
      else
        check(resp, config, level)
      end
    end
    responses[i] = resp
  end
  return conclude(self, kind, config, level, responses, opts, where)
end

--- Image generation (/images/generations), n requests at once. config:
--- model, prompt, size ("WxH"), n (images per request), extra_body. Checks:
--- status, JSON shape, base64 PNG/JPEG; advanced_model: decoded size equals
--- `size`. Each response gets `images` ({bytes, width, height}).
---@param config table
---@param opts? {request_num?: integer, run_level?: string, raise?: boolean}
---@return table[]
function Client:generate_image(config, opts)
  if type(config) ~= "table" or type(config.model) ~= "string" or type(config.prompt) ~= "string" then
    error("generate_image: config needs model and prompt (strings)", 2)
  end
  if config.size ~= nil and not tostring(config.size):match("^%d+x%d+$") then
    error("generate_image: size must be \"WIDTHxHEIGHT\", got " .. tostring(config.size), 2)
  end
  local body = { model = config.model, prompt = config.prompt, n = config.n or 1, size = config.size,
    response_format = config.response_format or "b64_json" }
  for k, v in pairs(config.extra_body or {}) do body[k] = v end
  local out = simple(self, "image", "/images/generations", config, body, opts, checks.images, caller_where())
  return out
end
Client.send_diffusion_request = Client.generate_image

--- Speech (/audio/speech), n requests at once. config: model, input, voice,
--- response_format (default "wav"), extra_body. Checks: status, a WAV of
--- positive duration; advanced_model: duration plausible for the input.
---@param config table
---@param opts? {request_num?: integer, run_level?: string, raise?: boolean}
---@return table[]
function Client:speech(config, opts)
  if type(config) ~= "table" or type(config.model) ~= "string" or type(config.input) ~= "string" then
    error("speech: config needs model and input (strings)", 2)
  end
  local body = { model = config.model, input = config.input, voice = config.voice,
    response_format = config.response_format or "wav" }
  for k, v in pairs(config.extra_body or {}) do body[k] = v end
  local out = simple(self, "speech", "/audio/speech", config, body, opts, checks.speech, caller_where())
  return out
end

return M
