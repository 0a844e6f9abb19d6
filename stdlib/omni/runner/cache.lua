--- The run cache in .omnilua/ (under the root): lastfailed.json holds the
--- node ids that failed or errored, for --lf. Tests that did not run this
--- time keep their earlier entry, as pytest's cache does.
local cjson = require "cjson"
local fs = require "omni.core.fs"

local M = {}

local function path(root) return root .. "/.omnilua/lastfailed.json" end

--- Node ids that failed last time (a set), or nil when there is no cache.
---@param root string
---@return table<string, boolean>?
function M.last_failed(root)
  local f = io.open(path(root), "r")
  if not f then return nil end
  local ok, data = pcall(cjson.decode, f:read("a"))
  f:close()
  if not ok or type(data) ~= "table" then return nil end
  return data
end

--- Writes the cache: this run's failures plus earlier ones that did not run.
---@param root string
---@param failed table<string, boolean>
---@param ran table<string, boolean>
function M.save(root, failed, ran)
  local merged = {}
  for id in pairs(M.last_failed(root) or {}) do
    if not ran[id] then merged[id] = true end
  end
  for id in pairs(failed) do merged[id] = true end
  if next(merged) == nil and not fs.stat(path(root)) then return end
  fs.mkdir(root .. "/.omnilua")
  local f = io.open(path(root), "w")
  if not f then return end
  f:write(next(merged) and cjson.encode(merged) or "{}", "\n")
  f:close()
end

return M
