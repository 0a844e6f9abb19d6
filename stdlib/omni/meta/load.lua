---@meta omni.core.load
--- omni.core.load (bindings/load.c): the load engine of `omnilua bench`
--- (requests sent on a schedule over the HTTP engine, every chunk's arrival
--- time recorded) and the benchmark metrics, computed as `vllm bench serve`
--- computes them. `omnilua bench` (omni.bench.*) drives it.
---
--- ```lua
--- local load = require "omni.core.load"
--- local times = assert(load.schedule(100, 10, 1.0, 42))     -- Poisson, 10 req/s
--- local run <close> = load.new{ url = base .. "/v1/chat/completions", count = 100, max_concurrency = 32 }
--- for i, t in ipairs(times) do run:add(bodies[i], t) end
--- run:start(); while run:step(0.25) > 0 do print(run:progress()) end
--- local r = load.compute(run:records(), { duration = 10, percentiles = { 50, 99 } })
--- print(r.request_throughput, r.stats.ttft.mean)
--- ```
local M = {}

--- Intended send times in seconds from the start, ascending: gaps drawn
--- from Gamma(burstiness, 1 / (rate * burstiness)) (burstiness 1: Poisson),
--- rescaled so the last is n / rate; rate = math.huge sends all at once.
--- Seeded, so repeatable. Rate or burstiness not > 0: `nil, why, "ESCHEDULE"`.
---@param n integer
---@param rate number requests per second
---@param burstiness? number default 1
---@param seed? integer default 0
---@return number[]? times
---@return string? err
---@return string? code
function M.schedule(n, rate, burstiness, seed) end

---@class omni.core.load.Options
---@field url string the endpoint every request is POSTed to
---@field count integer how many requests will be added
---@field api_key? string bearer token
---@field stream? boolean SSE answers (default true)
---@field max_concurrency? integer cap on requests in flight (0: none)
---@field timeout? number seconds per request (0: none)
---@field keep_text? boolean keep the generated text of each request
---@field headers? string[] "Name: value" lines

---@class omni.core.load.Record
---@field success boolean
---@field status integer
---@field error? string
---@field start_s number when it was sent, from t0
---@field intended_s number when it was due, from t0
---@field chunks integer content chunks received
---@field ttft_s number first chunk after the send (0 without chunks)
---@field latency_s number last chunk (or end) after the send
---@field itl_s number[] gaps between chunks
---@field prompt_tokens? integer from the server's usage
---@field completion_tokens? integer from the server's usage
---@field text string the generated text (with keep_text)
---@field audio_chunks? integer
---@field audio_ttfp_s? number first audio chunk after the send
---@field audio_latency_s? number
---@field audio_duration_s? number decoded from the WAV pieces
---@field audio_bytes? integer
---@field audio_error? string

---@class omni.core.load.Run
local Run = {}

--- A run of `opts.count` requests; bad options raise.
---@param opts omni.core.load.Options
---@return omni.core.load.Run
function M.new(opts) end

--- Adds a request body, due `offset_s` seconds after the start. Raises
--- after start or past `count`.
---@param body string JSON request body
---@param offset_s number
function Run:add(body, offset_s) end

--- Sends `count` copies of `body` on the run's own connections before
--- start (nothing recorded), so the measured run starts on warm keep-alive
--- connections. Returns how many failed; raises on a bad argument.
---@param body string
---@param count integer 0..1000000
---@param timeout_s? number default 60
---@return integer failed
function Run:warmup(body, count, timeout_s) end

--- Queues every request relative to `t0_ns` (default now) and returns t0.
---@param t0_ns? integer monotonic ns
---@return integer t0_ns
function Run:start(t0_ns) end

--- Runs for up to `slice_s` seconds (0 or nil: until done); returns how
--- many requests remain.
---@param slice_s? number
---@return integer remaining
function Run:step(slice_s) end

--- Finished and failed requests, content chunks seen, and the total count.
---@return integer finished
---@return integer failed
---@return integer chunks
---@return integer total
function Run:progress() end

--- Cancels what is still queued or running.
function Run:cancel() end

--- One record per request, in the order added.
---@return omni.core.load.Record[]
function Run:records() end

--- Frees the run; harmless twice (also `<close>` and GC).
function Run:close() end

---@class omni.core.load.MetricStats
---@field count integer
---@field mean number
---@field median number
---@field std number
---@field min number
---@field max number
---@field percentiles number[]

---@class omni.core.load.Result
---@field completed integer
---@field failed integer
---@field total_input_tokens integer
---@field total_output_tokens integer
---@field duration number seconds
---@field request_throughput number requests per second
---@field request_goodput? number requests per second meeting the goodput limits (when given)
---@field output_throughput number output tokens per second
---@field total_token_throughput number
---@field max_output_tokens_per_s number
---@field max_concurrent_requests integer
---@field audio_throughput number audio seconds per second
---@field output_lens integer[]
---@field stats table<string, omni.core.load.MetricStats> by metric: ttft, tpot, itl, e2el, audio_ttfp, audio_rtf, audio_duration, ttft_intended, e2el_intended (seconds)
---@field series table<string, number[]> the values behind each metric

--- vllm's benchmark metrics over request records (fields as Record, plus
--- prompt_len and output_len). opts: duration (s), goodput {ttft, tpot,
--- e2el} limits in ms, percentiles (each in [0, 100]).
---@param requests table[]
---@param opts {duration: number, goodput?: {ttft?: number, tpot?: number, e2el?: number}, percentiles?: number[]}
---@return omni.core.load.Result
function M.compute(requests, opts) end

--- Duration in seconds of joined audio bytes: consecutive complete WAV
--- files (each header read), raw PCM after a header counted at its rate.
---@param bytes string
---@return number? seconds
---@return string? err
---@return string? code "EAUDIO"
function M.audio_seconds(bytes) end

--- A list of numbers as JSON, in omni.bench.ordered_json's form
--- ("[1.0, 2.5]"): each float as Python's repr writes it (the shortest text
--- that reads back, ".0" on whole ones), integers as they are. nil when an
--- element is not a number.
---@param list number[]
---@return string? json
function M.json_numbers(list) end

--- One number as json_numbers writes each of its elements.
---@param n number
---@return string json
function M.json_number(n) end

return M
