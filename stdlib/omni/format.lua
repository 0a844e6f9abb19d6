--- The one value formatter behind assertion messages and reports: stable key
--- order (so two runs print the same text), strings quoted and escaped, and
--- limits on depth, items, string length and total size so that a huge value
--- cannot flood a report.
---
---   format.value({ 1, "a\n", x = { y = true } })  --> { 1, "a\n", x = { y = true } }
local M = {}

---@class omni.format.Options
---@field depth? integer       tables nested deeper print as {...} (default 4)
---@field items? integer       entries shown per table (default 40)
---@field string_len? integer  characters shown per string (default 200)
---@field total? integer       characters in the whole result (default 4000)
---@field width? integer       a table longer than this inline goes multi-line (default 72)

local DEFAULTS = { depth = 4, items = 40, string_len = 200, total = 4000, width = 72 }

local escapes = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t", ['"'] = '\\"', ["\\"] = "\\\\" }

local function escape_byte(c)
  return escapes[c] or string.format("\\x%02X", c:byte())
end

--- A Lua-style double-quoted literal. Valid UTF-8 stays readable; control
--- characters and the bytes of invalid UTF-8 are escaped.
---@param s string
---@param max? integer characters kept before "..." (default: all)
---@return string
function M.quote(s, max)
  local cut = ""
  if max and #s > max then
    cut = string.format("...(%d bytes)", #s)
    s = s:sub(1, max)
    -- do not end in the middle of a UTF-8 sequence
    while #s > 0 and not utf8.len(s) and s:byte(-1) >= 0x80 do
      s = s:sub(1, -2)
    end
  end
  local pattern = utf8.len(s) and '[%c"\\]' or '[%c"\\\128-\255]'
  return '"' .. s:gsub(pattern, escape_byte) .. '"' .. cut
end

local type_rank = { number = 1, string = 2, boolean = 3 }

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    return (type_rank[ta] or 4) < (type_rank[tb] or 4) or
        ((type_rank[ta] or 4) == (type_rank[tb] or 4) and ta < tb)
  end
  if ta == "number" or ta == "string" then
    if a ~= a then return false end -- NaN keys cannot exist, but be total anyway
    return a < b
  end
  if ta == "boolean" then return (not a) and b end
  return tostring(a) < tostring(b)
end

--- Keys of t in a stable order: the sequence 1..n first, then numbers,
--- strings and booleans sorted, then anything else by its tostring.
---@param t table
---@return any[] keys, integer n length of the leading sequence
function M.sorted_keys(t)
  local n = 0
  while rawget(t, n + 1) ~= nil do n = n + 1 end
  local keys, rest = {}, {}
  for i = 1, n do keys[i] = i end
  for k in next, t do
    if not (math.type(k) == "integer" and k >= 1 and k <= n) then rest[#rest + 1] = k end
  end
  table.sort(rest, key_less)
  table.move(rest, 1, #rest, n + 1, keys)
  return keys, n
end

local function is_identifier(k)
  return type(k) == "string" and k:match("^[%a_][%w_]*$") ~= nil and not ({
    ["and"] = 1, ["break"] = 1, ["do"] = 1, ["else"] = 1, ["elseif"] = 1, ["end"] = 1,
    ["false"] = 1, ["for"] = 1, ["function"] = 1, ["goto"] = 1, ["if"] = 1, ["in"] = 1,
    ["local"] = 1, ["nil"] = 1, ["not"] = 1, ["or"] = 1, ["repeat"] = 1, ["return"] = 1,
    ["then"] = 1, ["true"] = 1, ["until"] = 1, ["while"] = 1,
  })[k]
end

local function scalar(v, opts)
  local t = type(v)
  if t == "string" then return M.quote(v, opts.string_len) end
  if t == "number" then
    if math.type(v) == "integer" then return tostring(v) end
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" end
    if v == -math.huge then return "-inf" end
    local s = string.format("%.14g", v)
    if tonumber(s) ~= v then s = string.format("%.17g", v) end
    if not s:find("[%.eni]") then s = s .. ".0" end -- keep floats visibly floats
    return s
  end
  return tostring(v)
end

local format_any

local function format_table(t, opts, depth, path, indent)
  if path[t] then return "<cycle>" end
  if depth >= opts.depth then return next(t) == nil and "{}" or "{...}" end
  local keys, n = M.sorted_keys(t)
  if #keys == 0 then return "{}" end
  path[t] = true
  local parts = {}
  local shown = math.min(#keys, opts.items)
  for i = 1, shown do
    local k = keys[i]
    local v = format_any(rawget(t, k), opts, depth + 1, path, indent .. "  ")
    if i <= n then
      parts[i] = v
    elseif is_identifier(k) then
      parts[i] = k .. " = " .. v
    else
      parts[i] = "[" .. format_any(k, opts, depth + 1, path, indent .. "  ") .. "] = " .. v
    end
  end
  if #keys > shown then parts[#parts + 1] = string.format("...(%d more)", #keys - shown) end
  path[t] = nil
  local inline = "{ " .. table.concat(parts, ", ") .. " }"
  if #inline + #indent <= opts.width and not inline:find("\n", 1, true) then return inline end
  local inner = indent .. "  "
  return "{\n" .. inner .. table.concat(parts, ",\n" .. inner) .. "\n" .. indent .. "}"
end

format_any = function(v, opts, depth, path, indent)
  if type(v) == "table" then return format_table(v, opts, depth, path, indent) end
  return scalar(v, opts)
end

local function with_defaults(opts)
  if not opts then return DEFAULTS end
  local o = {}
  for k, d in pairs(DEFAULTS) do o[k] = opts[k] or d end
  return o
end

--- Formats any value: tables with stable key order, nested tables indented
--- when they do not fit on a line, cycles shown as <cycle>.
---@param v any
---@param opts? omni.format.Options
---@return string
function M.value(v, opts)
  opts = with_defaults(opts)
  local s = format_any(v, opts, 0, {}, "")
  if #s > opts.total then
    s = s:sub(1, opts.total) .. string.format("\n...(truncated, %d characters in all)", #s)
  end
  return s
end

--- luassert's "(type) value" line for assertion messages.
---@param v any
---@param opts? omni.format.Options
---@return string
function M.typed(v, opts)
  local t = type(v)
  if t == "number" then t = math.type(v) == "integer" and "integer" or "number" end
  return "(" .. t .. ") " .. M.value(v, opts)
end

--- A key path as Lua would index it: { 2, "name" } -> "[2].name";
--- the root alone is "(root)".
---@param keys any[]
---@return string
function M.path(keys)
  if #keys == 0 then return "(root)" end
  local out = {}
  for i, k in ipairs(keys) do
    if is_identifier(k) then
      out[#out + 1] = (i > 1 and "." or "") .. k
    else
      out[#out + 1] = "[" .. scalar(k, DEFAULTS) .. "]"
    end
  end
  return table.concat(out)
end

return M
