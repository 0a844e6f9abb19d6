--- What the DSL (`omni.test`, `omni.fixture`, `omni.group`) writes into while
--- a conftest.lua or test file is being loaded: the collector points `scope`
--- at a fresh scope before loading a file and reads the tests back after.
--- A scope holds fixtures and inherits from its parent (group -> file ->
--- conftest folders -> builtins), which is how fixture lookup walks upward.
local M = {}

---@class omni.Scope
---@field kind "builtin"|"conftest"|"file"|"group"
---@field parent omni.Scope?
---@field fixtures table<string, table>
---@field autouse table[] fixtures with autouse = true, in definition order
---@field tests table[]? tests defined while this file was loading (file scopes)
---@field group table? { name, opts, parent } for group scopes
---@field path string? the file of a conftest/file scope
---@field marks table[]? marks given by omni.marks in this scope (pytestmark)
---@field marks_at string[]? file:line of each of those marks

--- The scope definitions currently go to (nil outside collection).
---@type omni.Scope?
M.scope = nil
--- The file being loaded (its scope), where tests are appended.
---@type omni.Scope?
M.file = nil

---@return omni.Scope
function M.new_scope(kind, parent, extra)
  local s = { kind = kind, parent = parent, fixtures = {}, autouse = {} }
  for k, v in pairs(extra or {}) do s[k] = v end
  return s
end

return M
