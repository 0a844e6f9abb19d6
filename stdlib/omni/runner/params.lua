--- Parametrization: turns a test's `params` option into parameter sets
--- with pytest's ids. Forms accepted:
---   { n = { 1, 2, 3 } }                        -- map: names in sorted order
---   { { "n", { 1, 2 } }, { "m", { "a" } } }    -- ordered list of {name, values}
---   { ["a,b"] = { { 1, 2 }, { 3, 4 } } }       -- several names, one tuple per set
---   { omni_server = omni.indirect(list) }      -- values go to fixture omni_server
--- Several entries give their cartesian product, the first entry varying
--- slowest. A value may be `omni.param(v, { id = "x", marks = { ... } })`.
local omni = require "omni"

local M = {}

local function escape(s)
  -- pytest escapes non-ASCII and non-printable bytes
  return (s:gsub("[%c\128-\255]", function(c)
    local b = c:byte()
    if c == "\t" then return "\\t" elseif c == "\n" then return "\\n" elseif c == "\r" then return "\\r" end
    return string.format("\\x%02x", b)
  end))
end

--- The id token of one value, as pytest generates it.
---@param value any
---@param argname string
---@param index integer 0-based index of the value in its list
---@return string
function M.token(value, argname, index)
  local t = type(value)
  if t == "string" then
    if #value > 100 then return argname .. index end
    return escape(value)
  elseif t == "number" or t == "boolean" or t == "nil" then
    return tostring(value)
  end
  return argname .. index
end

--- Makes ids unique as pytest does: duplicates get 0, 1, ... ("_" first
--- when the id ends in a digit).
---@param ids string[]
---@return string[]
function M.dedupe(ids)
  local count = {}
  for _, id in ipairs(ids) do count[id] = (count[id] or 0) + 1 end
  local used, next_n, out = {}, {}, {}
  for _, id in ipairs(ids) do used[id] = true end
  for i, id in ipairs(ids) do
    if count[id] > 1 then
      local suffix = id:match("%d$") and "_" or ""
      local n = next_n[id] or 0
      local new = id .. suffix .. n
      while used[new] do n = n + 1; new = id .. suffix .. n end
      next_n[id] = n + 1
      used[new] = true
      out[i] = new
    else
      out[i] = id
    end
  end
  return out
end

local function entries(params)
  local list = {}
  if params[1] ~= nil then
    for i, e in ipairs(params) do
      if type(e) ~= "table" or type(e[1]) ~= "string" or type(e[2]) ~= "table" then
        return nil, string.format("params[%d] must be { \"name\", { values... } }", i)
      end
      list[#list + 1] = { spec = e[1], values = e[2] }
    end
  else
    local keys = {}
    for k in pairs(params) do
      if type(k) ~= "string" then return nil, "params keys must be parameter names" end
      keys[#keys + 1] = k
    end
    table.sort(keys)
    for _, k in ipairs(keys) do list[#list + 1] = { spec = k, values = params[k] } end
  end
  for _, e in ipairs(list) do
    e.names = {}
    for name in e.spec:gmatch("[^,%s]+") do e.names[#e.names + 1] = name end
    if getmetatable(e.values) == omni.Indirect then
      e.indirect, e.values = true, e.values.values
    end
    if type(e.values) ~= "table" then
      return nil, string.format("params '%s' must be a list of values", e.spec)
    end
    if #e.values == 0 then
      return nil, string.format("params '%s' has no values", e.spec)
    end
  end
  return list
end

-- The one set of a test without params, shared by all of them (read-only).
local NO_PARAMS = { { values = {}, ids = {}, indirect = {}, marks = {} } }

--- Expands params into sets. Each set: { id = "1-a", values = {name=v},
--- ids = {name=token}, indirect = {name=true}, marks = {...} }.
--- Returns nil, message on a malformed spec.
---@param params table?
---@return table[]? sets
---@return string? err
function M.expand(params)
  if params == nil or next(params) == nil then return NO_PARAMS end
  local list, err = entries(params)
  if not list then return nil, err end
  -- each entry's choices: { values = {name=v}, token, ids, marks }
  local per = {}
  for _, e in ipairs(list) do
    local choices = {}
    for i, raw in ipairs(e.values) do
      local v, id, marks = raw, nil, nil
      if getmetatable(raw) == omni.Param then v, id, marks = raw.value, raw.id, raw.marks end
      local c = { values = {}, ids = {}, marks = marks or {}, indirect = e.indirect }
      if #e.names == 1 then
        c.values[e.names[1]] = v
        c.ids[e.names[1]] = id or M.token(v, e.names[1], i - 1)
        c.token = c.ids[e.names[1]]
      else
        if type(v) ~= "table" or #v ~= #e.names then
          return nil, string.format("params '%s': value %d must be a list of %d values",
            e.spec, i, #e.names)
        end
        local toks = {}
        for j, name in ipairs(e.names) do
          c.values[name] = v[j]
          toks[j] = M.token(v[j], name, i - 1)
          c.ids[name] = toks[j]
        end
        c.token = id or table.concat(toks, "-")
      end
      choices[i] = c
    end
    per[#per + 1] = { entry = e, choices = choices }
  end
  local sets = { { values = {}, ids = {}, indirect = {}, marks = {}, tokens = {} } }
  for _, p in ipairs(per) do
    local next_sets = {}
    for _, s in ipairs(sets) do
      for _, c in ipairs(p.choices) do
        local n = { values = {}, ids = {}, indirect = {}, marks = {}, tokens = {} }
        for k, v in pairs(s.values) do n.values[k] = v end
        for k, v in pairs(s.ids) do n.ids[k] = v end
        for k, v in pairs(s.indirect) do n.indirect[k] = v end
        for _, m in ipairs(s.marks) do n.marks[#n.marks + 1] = m end
        for _, t in ipairs(s.tokens) do n.tokens[#n.tokens + 1] = t end
        for k, v in pairs(c.values) do
          n.values[k] = v
          if c.indirect then n.indirect[k] = true end
        end
        for k, v in pairs(c.ids) do n.ids[k] = v end
        for _, m in ipairs(c.marks) do n.marks[#n.marks + 1] = m end
        n.tokens[#n.tokens + 1] = c.token
        next_sets[#next_sets + 1] = n
      end
    end
    sets = next_sets
  end
  local ids = {}
  for i, s in ipairs(sets) do ids[i] = table.concat(s.tokens, "-") end
  ids = M.dedupe(ids)
  for i, s in ipairs(sets) do s.id = ids[i]; s.tokens = nil end
  return sets
end

return M
