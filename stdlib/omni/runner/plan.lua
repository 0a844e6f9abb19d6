--- The planner: splits the selected items into units, the batches a worker
--- runs in one go. A file's tests stay in one unit (module fixtures are set
--- up once), and files whose tests share a session fixture with an indirect
--- parameter (a model server) are joined into one unit whose tests are
--- ordered so each distinct parameter value is set up once; module
--- fixtures with a parameter are ordered the same way within their file.
local M = {}

local function find(parent, x)
  while parent[x] ~= x do
    parent[x] = parent[parent[x]]
    x = parent[x]
  end
  return x
end

--- Session (or, with `module`, also module) fixtures of item that take an
--- indirect parameter (or have params of their own).
local function session_params(item, module)
  local out
  for _, def in ipairs(item.fixtures) do
    if (def.scope == "session" or (module and def.scope == "module")) and item.indirect[def.name] then
      out = out or {}
      out[#out + 1] = def
    end
  end
  return out
end

---@param items table[] all items
---@param selected integer[] indices of the items to run, in collection order
---@return integer[][] units lists of item indices
function M.units(items, selected)
  local parent, file_order, by_file = {}, {}, {}
  local owner = {} -- fixture def -> first file that uses it with a param
  for _, idx in ipairs(selected) do
    local item = items[idx]
    local f = item.file
    if not parent[f] then
      parent[f] = f
      file_order[#file_order + 1] = f
      by_file[f] = {}
    end
    table.insert(by_file[f], idx)
    local defs = session_params(item)
    if defs then
      for _, def in ipairs(defs) do
        if owner[def] then
          local a, b = find(parent, f), find(parent, owner[def])
          if a ~= b then parent[a] = b end
        else
          owner[def] = f
        end
      end
    end
  end
  local units, unit_of = {}, {}
  for _, f in ipairs(file_order) do
    local root = find(parent, f)
    local u = unit_of[root]
    if not u then
      u = {}
      unit_of[root] = u
      units[#units + 1] = u
    end
    for _, idx in ipairs(by_file[f]) do u[#u + 1] = idx end
  end
  for _, u in ipairs(units) do
    local defs, rank, keyed = {}, {}, false
    local seen_def = {}
    for _, idx in ipairs(u) do
      for _, def in ipairs(session_params(items[idx], true) or {}) do
        keyed = true
        if not seen_def[def] then
          seen_def[def] = true
          defs[#defs + 1] = def
          rank[def] = { map = {}, n = 0 }
        end
        local v = items[idx].values[def.name]
        local r = rank[def]
        if not r.map[v] then r.n = r.n + 1; r.map[v] = r.n end
      end
    end
    if keyed then
      -- sort key: session parameters, then the file (a module instance
      -- lives while its file's tests follow each other), then module
      -- parameters, then collection order
      local ordered = {}
      for _, def in ipairs(defs) do if def.scope == "session" then ordered[#ordered + 1] = def end end
      local file_slot = #ordered + 1
      ordered[file_slot] = false
      for _, def in ipairs(defs) do if def.scope == "module" then ordered[#ordered + 1] = def end end
      local file_rank, nfiles = {}, 0
      local pos, key = {}, {}
      for i, idx in ipairs(u) do
        pos[idx] = i
        local k = {}
        local item = items[idx]
        if not file_rank[item.file] then nfiles = nfiles + 1; file_rank[item.file] = nfiles end
        for j, def in ipairs(ordered) do
          if def == false then
            k[j] = file_rank[item.file]
          else
            k[j] = item.indirect[def.name] and rank[def].map[item.values[def.name]] or 0
          end
        end
        key[idx] = k
      end
      local nkeys = #ordered
      table.sort(u, function(a, b)
        local ka, kb = key[a], key[b]
        for j = 1, nkeys do
          if ka[j] ~= kb[j] then return ka[j] < kb[j] end
        end
        return pos[a] < pos[b]
      end)
    end
  end
  return units
end

return M
