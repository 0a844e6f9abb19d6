--- Selection in the parent: -m over marks and -k over keywords (compiled
--- by omni.core.expr, pytest's grammar), "file::name" node id selectors
--- and --lf. What is not selected is counted as deselected.
local keywords = require("omni.runner.collect").keywords

local M = {}


--- Compiles -m and -k; returns { m = compiled?, k = compiled? } or nil and
--- the usage error text ("Wrong expression passed to '-m': ...").
---@param m string?
---@param k string?
function M.compile(m, k)
  local expr = require "omni.core.expr"
  local out = {}
  for _, e in ipairs({ { "m", m }, { "k", k and k:gsub("^%s+", "") or nil } }) do
    local flag, src = e[1], e[2]
    if src ~= nil and src ~= "" then
      local c, err = expr.compile(src, flag)
      if not c then
        return nil, string.format("Wrong expression passed to '-%s': %s: %s", flag, src, err)
      end
      out[flag] = c
    end
  end
  return out
end

local function selected_by_ids(item, prefixes)
  local id = item.nodeid
  for _, p in ipairs(prefixes) do
    if id == p or id:sub(1, #p + 2) == p .. "::" or id:sub(1, #p + 1) == p .. "[" then return true end
  end
  return false
end

--- Returns the indices of the selected items and the deselected count.
---@param items table[]
---@param exprs table from M.compile
---@param selectors table<string, string[]|false> file -> node id prefixes
---@param last_failed table<string, boolean>? node ids that failed last run
---@return integer[] selected
---@return integer deselected
function M.apply(items, exprs, selectors, last_failed)
  if last_failed then
    local any = false
    for _, it in ipairs(items) do
      if last_failed[it.nodeid] then any = true; break end
    end
    if not any then last_failed = nil end
  end
  local out, deselected = {}, 0
  local m, k = exprs.m, exprs.k
  for i, it in ipairs(items) do
    local keep = true
    local sel = selectors[it.file]
    if sel then keep = selected_by_ids(it, sel) end
    if keep and last_failed then keep = last_failed[it.nodeid] or false end
    if keep and m then keep = m:match_marks(it.marks) end
    if keep and k then keep = k:match_keywords(it.keywords or keywords(it)) end
    if keep then out[#out + 1] = i else deselected = deselected + 1 end
  end
  return out, deselected
end

return M
