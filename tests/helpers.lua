-- Little helpers that many test files share (not a test file: the runner
-- collects only test_*.lua). A test loads it relative to its own folder:
--   local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
--   local helpers = dofile(HERE .. "/../helpers.lua")
local M = {}

-- The whole file, or nil and io.open's message (omni.files.read):
-- `assert(read(p))` fails naming the file.
M.read = require("omni.files").read

--- Writes text to path, replacing what was there; raises naming the file
--- when it cannot be opened.
---@param path string
---@param text string
---@return string path
function M.write(path, text)
  assert(require("omni.files").write(path, text))
  return path
end

--- True while pid is a process that has not ended (a zombie has ended).
---@param pid integer
---@return boolean
function M.running(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local stat = f:read("a")
  f:close()
  return stat:match("^%d+ %b() (%a)") ~= "Z"
end

--- fn() once it returns `want`, or its last value after `seconds` (default
--- 2) of polling: for counts the kernel settles a moment after the call that
--- changed them (a joined thread still listed in /proc/self/task, a closed
--- descriptor of another thread).
---@param fn fun(): any
---@param want any
---@param seconds? number
---@return any
function M.settled(fn, want, seconds)
  local clock = require "omni.core.clock"
  local deadline = clock.now_ns() + (seconds or 2) * 1e9
  local v = fn()
  while v ~= want and clock.now_ns() < deadline do
    clock.sleep(0.005)
    v = fn()
  end
  return v
end

return M
