--- Whole files in and out: the one place for what many modules need (a log
--- tail, a config, a results file), with io.open's message on failure.
---
--- ```lua
--- local files = require "omni.files"
--- local text, err = files.read("nightly.json")   -- nil, "nightly.json: No such file or directory"
--- assert(files.write("out.txt", text))
--- ```
local M = {}

--- The whole file, bytes as they are; nil and io.open's message (which names
--- the file) when it cannot be opened.
---@param path string
---@return string? text
---@return string? err
function M.read(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text, rerr = f:read("a")
  f:close()
  if not text then return nil, path .. ": " .. tostring(rerr) end -- a folder opens, but reads fail
  return text
end

--- Writes text to path, replacing what was there. Returns true, or nil and
--- the message (naming the file) when it cannot be opened or written.
---@param path string
---@param text string
---@return true? ok
---@return string? err
function M.write(path, text)
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(text)
  local closed, cerr = f:close()
  if not ok then return nil, path .. ": " .. tostring(werr) end
  if not closed then return nil, path .. ": " .. tostring(cerr) end
  return true
end

return M
