---@meta omni.core.faults
--- omni.core.faults (bindings/faults.c): the fault proxy, the CPU hog and
--- process signals for Lua. Tests use omni.faults, which takes option
--- tables and validates them; the objects returned are the same
--- (omni.faults.Proxy, omni.faults.CpuHog). Handles are closed by `:close()`
--- / `:stop()`, `<close>` or GC; a closed proxy raises "attempt to use a
--- closed proxy".
---
--- ```lua
--- local core = require "omni.core.faults"
--- local p = assert(core.proxy("127.0.0.1:0", "127.0.0.1:8000"))
--- p:set{ latency_ms = 50, jitter_ms = 10 }
--- print(p.port, p:stats().connections)
--- p:close()
--- ```
local M = {}

--- Listens on `listen` ("host:port", port 0 = any free port) and forwards
--- every connection to `target` ("host:port") on its own thread, with no
--- faults until `:set{...}`.
---@param listen string
---@param target string
---@return omni.faults.Proxy? proxy
---@return string? err
---@return string? code "EADDRINUSE" | "EACCES" | "EINVAL" | "EAI" | "EIO"
function M.proxy(listen, target) end

--- Starts `threads` (1..1024) busy threads for `seconds` (<= 0 or nil: until
--- `:stop()`).
---@param threads integer
---@param seconds? number
---@return omni.faults.CpuHog? hog
---@return string? err
---@return string? code "EAGAIN"
function M.cpu_hog(threads, seconds) end

--- Sends a signal (a name such as "KILL", "STOP", "CONT", "TERM", or a
--- number) to a process, or to the process group `pid` when `group` is true.
--- An unknown name raises.
---@param pid integer
---@param group boolean
---@param signal string|integer
---@return true? ok
---@return string? err
---@return string? code "ESRCH" | "EPERM" | "EINVAL"
function M.signal(pid, group, signal) end

---@class omni.core.faults.EchoServer
---@field port integer
---@field connections integer connections accepted so far
---@field close fun(self)

---@class omni.core.faults.Connection
---@field send fun(self, data: string, timeout_s?: number): true?, string?, string?
---@field recv fun(self, max: integer, timeout_s?: number): string?, string?, string? "EOF" at the end
---@field close fun(self)

--- For omnilua's own tests (Lua has no sockets): a TCP echo server on a
--- free port of 127.0.0.1.
---@return omni.core.faults.EchoServer? server
---@return string? err
---@return string? code
function M._echo_server() end

--- For omnilua's own tests: a TCP connection to 127.0.0.1:`port`
--- (timeout in seconds, default 5).
---@param port integer
---@param timeout_s? number
---@return omni.core.faults.Connection? conn
---@return string? err
---@return string? code "ECONNREFUSED" | "ETIMEDOUT" | "EIO"
function M._connect(port, timeout_s) end

return M
