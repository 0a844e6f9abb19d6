--- omni.bench.run: runs one benchmark point (what `omnilua bench --base-url
--- ...` does once): builds the dataset, schedules the arrivals, drives the C
--- load engine, computes the metrics and builds the result.
---
--- ```lua
--- local res, recs = run.point{ base_url = "http://127.0.0.1:8000", backend = "openai-chat",
---   endpoint = "/v1/chat/completions", model = "omni-dummy", num_prompts = 10,
---   request_rate = math.huge, burstiness = 1, input_len = 32, output_len = 16,
---   metrics = {"ttft","tpot","itl"}, percentiles = {99} }
--- ```
local cjson = require "cjson"
local load = require "omni.core.load"
local clock = require "omni.core.clock"
local dataset = require "omni.bench.dataset"
local result = require "omni.bench.result"
local progress = require "omni.bench.progress"
local procstat = require "omni.core.procstat"

local M = {}

--- The JSON body of one request, as the reference's request functions send it.
---@param p table point settings
---@param q {prompt: string, output_len: integer}
---@return string
function M.body(p, q)
  local b
  if p.backend == "openai" then
    b = { model = p.model, prompt = q.prompt, repetition_penalty = 1.0, max_tokens = q.output_len }
  else
    b = { model = p.model, messages = { { role = "user", content = { { type = "text", text = q.prompt } } } },
      max_completion_tokens = q.output_len }
  end
  if p.stream ~= false then
    b.stream = true
    b.stream_options = { include_usage = true }
  else
    b.stream = false
  end
  if p.ignore_eos then b.ignore_eos = true end
  if p.modalities then b.modalities = p.modalities end
  for k, v in pairs(p.extra_body or {}) do b[k] = v end
  return cjson.encode(b)
end

--- A function q -> M.body(p, q) that is cheap per request: the body is
--- encoded once with placeholders, and each request fills in its prompt
--- (JSON-escaped) and output length. cjson orders a table's keys by its
--- hash, so the placeholders are found in the text rather than assumed.
--- 100,000 bodies: 0.9 s through M.body, 0.2 s this way.
---@param p table point settings
---@return fun(q: {prompt: string, output_len: integer}): string
function M.body_maker(p)
  local PROMPT, LEN = "\1omnilua-prompt\1", 987654321 -- cjson writes %.14g: a short integer
  local text = M.body(p, { prompt = PROMPT, output_len = LEN })
  local ep, lp = cjson.encode(PROMPT), string.format("%d", LEN)
  local a1, a2 = text:find(ep, 1, true)
  local b1, b2 = text:find(lp, 1, true)
  if not a1 or not b1 or text:find(ep, a2 + 1, true) or text:find(lp, b2 + 1, true) then
    return function(q) return M.body(p, q) end -- extra_body holds a placeholder: the plain way
  end
  local enc, fmt = cjson.encode, string.format
  if a1 < b1 then
    local pre, mid, post = text:sub(1, a1 - 1), text:sub(a2 + 1, b1 - 1), text:sub(b2 + 1)
    return function(q) return pre .. enc(q.prompt) .. mid .. fmt("%d", q.output_len) .. post end
  end
  local pre, mid, post = text:sub(1, b1 - 1), text:sub(b2 + 1, a1 - 1), text:sub(a2 + 1)
  return function(q) return pre .. fmt("%d", q.output_len) .. mid .. enc(q.prompt) .. post end
end

--- Turns a load record and its dataset entry into compute()'s request input.
local function to_req(rec, q)
  return {
    success = rec.success, start_s = rec.start_s, intended_s = rec.intended_s,
    ttft_s = rec.ttft_s, latency_s = rec.latency_s, itl_s = rec.itl_s,
    prompt_len = rec.prompt_tokens or q.prompt_len,
    output_len = rec.completion_tokens or 0,
    audio_ttfp_s = rec.audio_ttfp_s, audio_latency_s = rec.audio_latency_s,
    audio_duration_s = rec.audio_duration_s,
  }
end

--- Computes the metrics and the ordered result from records (also used by
--- tests on hand-made records).
---@param p table point settings
---@param reqs table[] compute() inputs
---@param recs table[] load records (text, error)
---@param duration number seconds
---@return table ordered_result, table metrics
function M.summarize(p, reqs, recs, duration)
  local m = load.compute(reqs, { duration = duration, goodput = p.goodput, percentiles = p.percentiles })
  return result.build(p, reqs, recs, m), m
end

--- How many unmeasured requests go first: `num_warmups` (the reference's
--- flag), and with a max_concurrency at least that many (at most 1024), so
--- that the measured run finds that many keep-alive connections open;
--- `warm_connections = false` turns the latter off. Without a cap nothing
--- is added: the number of connections a rate needs is not known, and a
--- burst of every request before a rate-limited run would load a real
--- server for nothing.
---@param p table point settings
---@param n integer requests in the point
---@return integer
function M.warmup_count(p, n)
  local w = p.num_warmups or 0
  if p.warm_connections ~= false and p.max_concurrency and n > 0 then
    w = math.max(w, math.min(p.max_concurrency, n, 1024))
  end
  return w
end

--- Runs one point. Returns the ordered result, the records and the
--- requests; or nil, err when nothing could be run (bad settings).
---@param p table
---@return table? result, table? records, table|string reqs_or_err
function M.point(p)
  local data = p.dataset or dataset.random { num_prompts = p.num_prompts, input_len = p.input_len or 1024,
    output_len = p.output_len or 128, range_ratio = p.range_ratio, prefix_len = p.prefix_len, seed = p.seed }
  local times, err = load.schedule(#data, p.request_rate, p.burstiness or 1, p.seed or 0)
  if not times then return nil, nil, err end
  local headers = { "Content-Type: application/json" }
  for _, h in ipairs(p.headers or {}) do headers[#headers + 1] = h end
  local run = load.new { url = p.base_url .. p.endpoint, count = #data, headers = headers,
    api_key = p.api_key or os.getenv("OPENAI_API_KEY"), stream = p.stream ~= false,
    max_concurrency = p.max_concurrency, timeout = p.timeout or 6 * 3600, keep_text = true }
  local body = M.body_maker(p)
  for i, q in ipairs(data) do run:add(body(q), times[i]) end
  local nwarm = M.warmup_count(p, #data)
  if nwarm > 0 and #data > 0 then
    -- on the run's own engine: the connections it opens are the measured
    -- run's, so the first wave does not pay for 256 TCP handshakes
    p.warmup_failed = run:warmup(body(data[1]), nwarm, p.warmup_timeout or 120)
  end
  local bar = progress.new(#data, { enabled = p.progress, label = p.label or "bench" })
  local self0 = procstat.self()
  -- the machine's own wake-up lateness while the requests run (a thread
  -- waking every ms): the noise floor of every latency below
  local probe = p.wake_probe ~= false and clock.wake_probe(0.001) or nil
  local t0 = run:start()
  local deadline = p.deadline_ns
  local remaining = #data
  while remaining > 0 do
    remaining = run:step(0.25)
    local done, failed = run:progress()
    bar:update(done, failed)
    if deadline and clock.now_ns() >= deadline and remaining > 0 then
      run:cancel() -- out of time: what finished is kept, the rest fails as cancelled
      remaining = 0
    end
  end
  local duration = (clock.now_ns() - t0) / 1e9
  local self1 = procstat.self()
  if probe then p.wake = probe:stop() end
  -- omnilua's own CPU in the measured window: near `duration`, the client
  -- and not the server may have set the pace
  if self0 and self1 then p.client_cpu_s = self1.cpu_s - self0.cpu_s end
  bar:finish()
  local recs = run:records()
  run:close()
  local reqs = {}
  for i, rec in ipairs(recs) do reqs[i] = to_req(rec, data[i]) end
  local res = M.summarize(p, reqs, recs, duration)
  return res, recs, reqs
end

return M
