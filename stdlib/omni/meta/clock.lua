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

---@class omni.core.clock.WakeProbe
local WakeProbe = {}

--- Stops the probe's thread (within one period) and returns what it saw;
--- nil when it was stopped already. Also stopped by `<close>` and the GC.
---@return {samples: integer, p50_ms: number, p99_ms: number, max_ms: number}?
function WakeProbe:stop() end

--- Starts the wake-up probe: a thread that sleeps to absolute deadlines
--- every `period_s` (default 1 ms; 1 ns timer slack) and records how late
--- each wake-up comes. A latency can be measured no better than the machine
--- wakes a sleeping thread: `omnilua bench` reports it beside its figures.
--- nil, message, "ENOMEM" when the thread cannot start.
---@param period_s? number in [0.0001, 1]
---@return omni.core.clock.WakeProbe? probe
---@return string? err
---@return string? code
function M.wake_probe(period_s) end

return M
