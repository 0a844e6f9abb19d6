--- A sample internal module: documented, never checked.
local M = {}

function M.helper(x) return x end

return M
