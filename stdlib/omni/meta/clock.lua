---@meta omni.core.clock
--- omni.core.clock (bindings/clock.c): monotonic and wall time in
--- nanoseconds, and a sleep. Times from omni.http (`t_ns`, `t_start_ns`, ...)
--- are on the same monotonic clock as `now_ns()`.
---
--- ```lua
--- local clock = require "omni.core.clock"
--- local t0 = clock.now_ns()
--- clock.sleep(0.05)
--- print((clock.now_ns() - t0) / 1e6, "ms")
--- ```
local M = {}

--- Monotonic time (CLOCK_MONOTONIC) in nanoseconds: for durations only.
---@return integer ns
function M.now_ns() end

--- Wall-clock time (CLOCK_REALTIME) in nanoseconds since the Unix epoch.
---@return integer ns
function M.wall_ns() end

--- Sleeps `seconds` (fractions allowed). Raises when seconds < 0.
---@param seconds number
function M.sleep(seconds) end

return M
