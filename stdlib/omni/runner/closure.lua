--- Fixture closure of an item: which fixture definitions it needs, in the
--- order they are set up (dependencies first, wider scopes first), or a
--- clear error (undefined fixture with close names, cycle, scope mismatch).
local argparse = require "omni.argparse"

local M = {}

local RANK = { session = 1, module = 2, ["function"] = 3 }
M.RANK = RANK

local function lookup(scope, name)
  local s = scope
  while s do
    local d = s.fixtures[name]
    if d then return d end
    s = s.parent
  end
end

local function visible(scope)
  local names, seen, s = {}, {}, scope
  while s do
    for n in pairs(s.fixtures) do
      if not seen[n] then seen[n] = true; names[#names + 1] = n end
    end
    s = s.parent
  end
  table.sort(names)
  return names
end

--- Parameter names of a function, in order.
---@param fn function
---@return string[]
function M.argnames(fn)
  local names = {}
  for k = 1, debug.getinfo(fn, "u").nparams do names[k] = debug.getlocal(fn, k) end
  return names
end

local function args_of(def)
  if not def.args then def.args = M.argnames(def.fn) end
  return def.args
end

--- Resolves item.args (minus direct params) and the autouse fixtures in
--- item.scope's chain. Returns the ordered list of definitions, and an
--- error message (then the list is partial and must not run).
---@param item table
---@return table[] fixtures
---@return string? error
local NONE = {}

-- Names of the autouse fixtures visible from a scope, outermost first;
-- cached on the scope (scopes are complete once their file has loaded).
local function autouse_names(scope)
  local cached = scope.autouse_names
  if cached then return cached end
  local names = scope.parent and { table.unpack(autouse_names(scope.parent)) } or {}
  for _, d in ipairs(scope.autouse) do names[#names + 1] = d.name end
  scope.autouse_names = names
  return names
end

function M.resolve(item)
  local auto = autouse_names(item.scope)
  if #auto == 0 and #item.args == 0 and next(item.indirect) == nil then return NONE end
  local wanted = { table.unpack(auto) }
  for _, a in ipairs(item.args) do
    if item.values[a] == nil or item.indirect[a] then wanted[#wanted + 1] = a end
  end
  for name in pairs(item.indirect) do
    if not lookup(item.scope, name) then
      return {}, string.format("%s:%d: test '%s': indirect parameter '%s' has no fixture of that name",
        item.file, item.line, item.base, name)
    end
    local found = false
    for _, w in ipairs(wanted) do if w == name then found = true end end
    if not found then wanted[#wanted + 1] = name end
  end
  if #wanted == 0 then return {} end

  local order, done, visiting = {}, {}, {}
  local err
  local function visit(name, scope, requester)
    local def = lookup(scope, name)
    if not def then
      local names = visible(scope)
      local hint = argparse.closest(name, names)
      local by = requester and string.format(" (requested by fixture '%s' at %s)", requester.name, requester.where)
        or ""
      err = string.format("%s:%d: test '%s': fixture '%s' not found%s%s\n  available fixtures: %s",
        item.file, item.line, item.base, name, by,
        hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(names, ", "))
      return nil
    end
    if done[def] then return def end
    if visiting[def] then
      err = string.format("%s:%d: test '%s': fixture '%s' (%s) depends on itself through a cycle",
        item.file, item.line, item.base, def.name, def.where)
      return nil
    end
    visiting[def] = true
    def.deps = def.deps or {}
    for i, a in ipairs(args_of(def)) do
      local from = (a == def.name) and def.owner.parent or def.owner
      local dep = visit(a, from, def)
      if not dep then return nil end
      def.deps[i] = dep -- static: lookup starts at def.owner for every item
      if not dep.builtin_any and RANK[dep.scope] > RANK[def.scope] then
        err = string.format("%s:%d: test '%s': ScopeMismatch: %s-scoped fixture '%s' (%s) requests %s-scoped fixture '%s'",
          item.file, item.line, item.base, def.scope, def.name, def.where, dep.scope, dep.name)
        return nil
      end
    end
    visiting[def] = nil
    done[def] = true
    order[#order + 1] = def
    return def
  end
  for _, name in ipairs(wanted) do
    if not visit(name, item.scope, nil) then return {}, err end
  end
  -- wider scopes first; a dependency never has a narrower scope, so the
  -- dependency order inside each scope is kept
  local sorted = {}
  for rank = 1, 3 do
    for _, d in ipairs(order) do
      if not d.builtin_any and RANK[d.scope] == rank then sorted[#sorted + 1] = d end
    end
  end
  return sorted
end

return M
