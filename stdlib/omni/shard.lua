--- `--shard K/N`: a deterministic split of a selection into N parts, the
--- way past one machine being the CI system's own parallel jobs. Balanced
--- by recorded durations (greedy, longest first; by count when nothing is
--- recorded). Tests that share an expensive fixture parameter (the same
--- model server) stay together as one unit, so each server starts in one
--- shard only.
---
--- ```lua
--- local k, n = shard.parse("2/4")
--- local mine = shard.select(items, k, n, { durations = db, expensive = { "omni_server" } })
--- ```
local M = {}

--- Parses "K/N" (1 <= K <= N). Returns k, n or nil and why.
---@param s string
---@return integer? k, integer|string n_or_err
function M.parse(s)
  local k, n = tostring(s):match("^%s*(%d+)%s*/%s*(%d+)%s*$")
  k, n = tonumber(k), tonumber(n)
  if not k then return nil, string.format("invalid shard '%s': expected K/N such as 2/4", tostring(s)) end
  if n < 1 or k < 1 or k > n then
    return nil, string.format("invalid shard '%s': K must be between 1 and N (N >= 1)", tostring(s))
  end
  return math.tointeger(k), math.tointeger(n)
end

M.DEFAULT_EXPENSIVE = { "omni_server" }

--- The key of the unit an item belongs to: its expensive parameters'
--- values when it has any ("omni_server=qwen3"), else its node id.
---@param item table { nodeid, params?, group? }
---@param expensive string[]
---@return string
function M.unit_key(item, expensive)
  if item.group then return "group:" .. tostring(item.group) end
  local parts = {}
  for _, name in ipairs(expensive) do
    local v = item.params and item.params[name]
    if v ~= nil then parts[#parts + 1] = name .. "=" .. tostring(v) end
  end
  if #parts > 0 then return "fixture:" .. table.concat(parts, ",") end
  return "test:" .. item.nodeid
end

--- Assigns every item to a shard. Returns a list `shard_of` (index ->
--- 1..n) and the shards' predicted loads.
---@param items table[] { nodeid, params?, group? } in collection order
---@param n integer
---@param opts? { durations: table?, expensive: string[]? }
---@return integer[] shard_of, number[] loads
function M.assign(items, n, opts)
  opts = opts or {}
  local expensive = opts.expensive or M.DEFAULT_EXPENSIVE
  local db = opts.durations
  local known, sum = 0, 0
  if db and db.tests then
    for _, it in ipairs(items) do
      local e = db.tests[it.nodeid]
      if e and e.mean then known = known + 1; sum = sum + e.mean end
    end
  end
  -- unknown tests weigh as the average known one; with none known, all weigh 1
  local fill = known > 0 and sum / known or 1
  local units, order = {}, {}
  for i, it in ipairs(items) do
    local key = M.unit_key(it, expensive)
    local u = units[key]
    if not u then
      u = { key = key, weight = 0, members = {} }
      units[key] = u
      order[#order + 1] = u
    end
    local e = known > 0 and db.tests[it.nodeid]
    u.weight = u.weight + (e and e.mean or fill)
    u.members[#u.members + 1] = i
  end
  table.sort(order, function(a, b)
    if a.weight ~= b.weight then return a.weight > b.weight end
    return a.key < b.key
  end)
  local loads, shard_of = {}, {}
  for s = 1, n do loads[s] = 0 end
  for _, u in ipairs(order) do
    local best = 1
    for s = 2, n do if loads[s] < loads[best] - 1e-9 then best = s end end
    loads[best] = loads[best] + u.weight
    for _, i in ipairs(u.members) do shard_of[i] = best end
  end
  return shard_of, loads
end

--- The items of shard k of n, in their original order.
---@param items table[]
---@param k integer
---@param n integer
---@param opts? { durations: table?, expensive: string[]? }
---@return table[] selected, table[] deselected
function M.select(items, k, n, opts)
  local shard_of = M.assign(items, n, opts)
  local mine, others = {}, {}
  for i, it in ipairs(items) do
    if shard_of[i] == k then mine[#mine + 1] = it else others[#others + 1] = it end
  end
  return mine, others
end

return M
