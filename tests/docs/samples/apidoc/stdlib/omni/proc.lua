--- A sample public module (omni.proc is in apidoc's public list).
---
--- ```lua
--- local proc = require "omni.proc"
--- ```
local M = {}

---@class omni.Sample
---@field pid integer the process id
---@field name? string
local Sample = {}
Sample.__index = Sample

--- Starts a sample.
---@param argv string[] the command
---@param opts? {timeout?: number, env?: table<string, string>} options with spaces
---@return omni.Sample? s
---@return string? err
function M.spawn(argv, opts)
  return setmetatable({ pid = 1 }, Sample), nil
end

--- Documented, but one parameter has no annotation.
---@param a integer
function M.half(a, b) return a, b end

--- Waits for the sample.
---@param timeout? number seconds
---@return integer? code
function Sample:wait(timeout) return timeout end

function Sample:undocumented(x) return x end

local function private_helper(y) return y end

function M._internal(z) return private_helper(z) end

--- A constant.
M.DEFAULT = 5

return M
