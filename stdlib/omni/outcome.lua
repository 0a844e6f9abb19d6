--- Typed test outcomes. A test body ends in one of three ways besides
--- passing: a *failure* (an assertion said no), a *skip* (the test decided
--- not to run), an *xfail* (the test declared an expected failure at run
--- time). Anything else raised (a string, a table without these metatables)
--- is an *error* when raised by a fixture, and a failure when raised by the
--- test body (as pytest: only the test body can fail; a fixture errors).
--- The runner tells them apart by metatable, never by parsing text
--- (busted's core.lua does the same).
local M = {}

---@class omni.Failure
---@field message string one-line verdict plus details
---@field where string? "file:line" of the assertion in test code
local Failure = { __name = "omni.Failure" }
Failure.__index = Failure
Failure.__tostring = function(f) return f.message end
M.Failure = Failure

local Skip = { __name = "omni.Skip" }
Skip.__index = Skip
Skip.__tostring = function(s) return "skipped: " .. s.reason end
M.Skip = Skip

local XFail = { __name = "omni.XFail" }
XFail.__index = XFail
XFail.__tostring = function(s) return "xfail: " .. s.reason end
M.XFail = XFail

--- Location "file:line" of the function `level` frames above the caller.
local function where(level)
  local info = debug.getinfo(level + 1, "Sl")
  if info and info.currentline and info.currentline > 0 then
    return info.short_src .. ":" .. info.currentline
  end
end
M.where = where

--- Raises a failure pointing at the caller `level` frames up (1 = the
--- function calling fail). Assertions call this with the level of the test line.
---@param message string
---@param level? integer
function M.fail(message, level)
  level = (level or 1) + 1
  error(setmetatable({ message = message, where = where(level) }, Failure), level)
end

---@param reason? string
function M.skip(reason)
  error(setmetatable({ reason = reason or "skipped", where = where(2) }, Skip), 2)
end

---@param reason? string
function M.xfail(reason)
  error(setmetatable({ reason = reason or "expected failure", where = where(2) }, XFail), 2)
end

--- "failure" | "skip" | "xfail" | "error" for a raised value.
---@return string
function M.kind(err)
  local mt = getmetatable(err)
  if mt == Failure then return "failure" end
  if mt == Skip then return "skip" end
  if mt == XFail then return "xfail" end
  return "error"
end

return M
