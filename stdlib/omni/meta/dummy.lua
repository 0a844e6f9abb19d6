---@meta omni.core.dummy
--- omni.core.dummy (bindings/dummy.c): the built-in dummy omni server (an
--- OpenAI-compatible server with no weights, the "dummy model" of L2), in
--- process on a thread, as the blocking CLI, or as an offline batch. Routes,
--- answers and fault settings: docs/reference/dummy-server.md.
---
--- ```lua
--- local dummy = require "omni.core.dummy"
--- local s <close> = assert(dummy.start{ port = 0, ttft_ms = 5, audio = false })
--- local base = "http://127.0.0.1:" .. s:port() .. "/v1"
--- ... ; print(s:requests()); s:stop()
--- ```
local M = {}

---@class omni.core.dummy.Options
---@field host? string default "127.0.0.1"
---@field port? integer 0..65535, 0 picks a free port (default 0)
---@field model? string the one model name served (default "omni-dummy")
---@field api_key? string require this bearer token on /v1/ routes
---@field audio? boolean answer with audio unless a request says otherwise (default true)
---@field ttft_ms? number|string time to first token
---@field itl_ms? number|string inter-token latency
---@field jitter_ms? number|string uniform jitter added to each chunk's time
---@field output_tokens? integer|string answer length in tokens (default: natural)
---@field seed? integer|string seed of jitter and injected errors
---@field fault? string fault or latency settings "k=v[,k=v]" (e.g. "stall_after=3")

---@class omni.core.dummy.Server
local Server = {}

--- Starts the server on a thread of this process. A taken port returns
--- `nil, "... (the port is taken)", "EADDRINUSE"`; bad options raise.
---@param opts omni.core.dummy.Options
---@return omni.core.dummy.Server? server
---@return string? err
---@return string? code "EADDRINUSE" | "ELISTEN"
function M.start(opts) end

--- Serves in the foreground (what `omnilua serve-dummy` runs): prints
--- "omnilua serve-dummy listening on http://HOST:PORT (model NAME)", then
--- serves until SIGINT/SIGTERM. Returns whether it ended cleanly and the
--- number of requests served, or `nil, err, code` when it cannot listen.
---@param opts omni.core.dummy.Options
---@return boolean? ok
---@return integer|string|nil served_or_err
---@return string? code
function M.serve(opts) end

--- Offline batch mode: reads the JSONL prompts file `opts.prompts`, writes
--- `opts.out`/outputs.jsonl (and audio files), returns the number of
--- prompts answered.
---@param opts omni.core.dummy.Options|{prompts: string, out: string}
---@return integer? count
---@return string? err
function M.offline(opts) end

--- The port it listens on.
---@return integer
function Server:port() end

--- Requests served so far.
---@return integer
function Server:requests() end

--- Stops the thread and closes every socket; harmless twice (also
--- `<close>` and GC). Using it afterwards raises "attempt to use a stopped server".
function Server:stop() end

return M
