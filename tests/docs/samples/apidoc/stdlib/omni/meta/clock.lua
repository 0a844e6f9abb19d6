---@meta omni.core.clock
--- A sample C module stub.
local M = {}

--- Monotonic nanoseconds.
---@return integer ns
function M.now_ns() end

--- Sleeps.
function M.sleep(seconds) end

return M
