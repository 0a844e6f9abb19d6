---@meta omni.core.fs
--- omni.core.fs (bindings/fs.c): the few file-system calls Lua's io library
--- lacks. Expected failures return `nil, message, code` with code "ENOENT",
--- "EACCES" or "EIO".
---
--- ```lua
--- local fs = require "omni.core.fs"
--- assert(fs.mkdir("/tmp/omni-demo/a/b"))            -- like mkdir -p
--- for _, name in ipairs(assert(fs.list("/tmp/omni-demo"))) do print(name) end
--- ```
local M = {}

---@class omni.core.fs.Stat
---@field type "file"|"directory"|"other"
---@field size integer bytes
---@field mtime_ns integer modification time, ns since the epoch

--- The names in a folder (without "." and ".."), sorted.
---@param dir string
---@return string[]? names
---@return string? err
---@return string? code
function M.list(dir) end

--- Type, size and modification time of a path (follows symbolic links).
---@param path string
---@return omni.core.fs.Stat? st
---@return string? err
---@return string? code
function M.stat(path) end

--- Creates a folder and its missing parents (`mkdir -p`); true if it exists.
---@param path string
---@return true? ok
---@return string? err
---@return string? code
function M.mkdir(path) end

--- The absolute path with symbolic links, "." and ".." resolved.
---@param path string
---@return string? path
---@return string? err
---@return string? code
function M.realpath(path) end

--- The current working directory.
---@return string? dir
---@return string? err
---@return string? code
function M.cwd() end

--- Removes a file or an empty folder.
---@param path string
---@return true? ok
---@return string? err
---@return string? code
function M.remove(path) end

return M
