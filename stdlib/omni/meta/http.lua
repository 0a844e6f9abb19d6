---@meta omni.core.http
--- omni.core.http (bindings/http.c): runs a list of requests on the C engine
--- (libcurl multi) and returns one result table per request, in request
--- order. Tests use omni.http, which validates options, builds these tables
--- and turns results into responses or `nil, err, code`.
---
--- ```lua
--- local core = require "omni.core.http"
--- local res = core.run({ { url = "http://127.0.0.1:8000/health", keep_body = true, timeout_ms = 5000 } })
--- print(res[1].status, res[1].code)
--- ```
local M = {}

---@class omni.core.http.Request
---@field url string
---@field method? string NULL: GET, or POST when there is a body
---@field headers? string[] "Name: value" lines (at most 64)
---@field body? string
---@field bearer? string API key sent as "Authorization: Bearer ..."; never logged
---@field timeout_ms? integer total time per attempt (0: none)
---@field connect_timeout_ms? integer (0: 10 s)
---@field idle_timeout_ms? integer time without a byte before giving up (0: none)
---@field retries? integer extra attempts on connection errors and retry_on codes
---@field retry_on? integer[] status codes to retry (at most 32)
---@field backoff_ms? integer first retry delay, doubled each time (default 200, max 10 s)
---@field max_bytes? integer body cap (0: none)
---@field max_line? integer SSE line cap (0: 1 MiB)
---@field start_at_ns? integer monotonic time to start at (0: at once)
---@field sse? boolean parse a 2xx body as server-sent events
---@field keep_body? boolean keep the body bytes (always kept for a non-2xx answer to an SSE request)
---@field chunks? boolean keep {t_ns, size} of every body chunk
---@field events? "full"|"times"|"none" SSE: keep events, only their times, or nothing (default "full")
---@field insecure? boolean https without certificate checks

---@class omni.core.http.Result
---@field status? integer HTTP status of the last attempt (absent when none arrived)
---@field attempts integer
---@field bytes integer body bytes of the last attempt
---@field t_due_ns integer when the request was due (start_at or submission)
---@field t_start_ns integer the last attempt handed to curl
---@field t_first_byte_ns integer its first response byte, 0 if none
---@field t_end_ns integer
---@field raw_headers string the raw header block of the final response
---@field body? string
---@field stream_partial? true the SSE stream ended in the middle of an event
---@field err? string what failed and why (without the URL)
---@field code? string one of `codes`
---@field events? {data: string, event?: string, t_ns: integer}[]
---@field event_times? integer[]
---@field chunks? {t_ns: integer, size: integer}[]

--- Runs `requests` with up to `opts.concurrency` (1..100000, default 1) at
--- once; `opts.deadline_ns` (monotonic) cancels what is still running then.
--- Raises on a malformed request table.
---@param requests omni.core.http.Request[]
---@param opts? {concurrency?: integer, deadline_ns?: integer}
---@return omni.core.http.Result[]
function M.run(requests, opts) end

--- The error codes a result's `code` may hold, as a set (name -> name):
--- ECONNREFUSED, ECONNRESET, TRUNCATED, TIMEOUT, IDLE_TIMEOUT, TOO_LARGE,
--- BAD_STREAM, ERESOLVE, ETLS, EPROTO, ENOMEM, INTERRUPTED, EOTHER.
---@type table<string, string>
M.codes = {}

--- For self-tests of core/interrupt: a detached thread requests the
--- process-wide stop after `seconds` (what a runner timeout does), so that a
--- running engine ends its requests with INTERRUPTED.
---@param seconds number
function M._interrupt_after(seconds) end

--- For self-tests: whether a stop is pending.
---@return boolean
function M._interrupt_pending() end

--- For self-tests: clears a pending stop.
function M._interrupt_clear() end

return M
