--- omni.bench.ordered_json: JSON objects written with their keys in a given
--- order (the reference's result files are compared by eye and by diff).
--- An ordered object is `{ __keys = {"a", "b"}, a = 1, b = 2 }`; lists and
--- plain values go through cjson. Numbers are written as Python's repr
--- writes them (the shortest text that reads back, ".0" on whole floats),
--- by omni.core.load.json_number / json_numbers (core/json_number.c).
local cjson = require "cjson"
local load = require "omni.core.load"
local json_numbers = load.json_numbers

local M = {}

local encode

-- one number as Python writes it: the C writer of the lists, for one
local number = load.json_number

encode = function(v, indent, depth)
  local t = type(v)
  if v == nil or v == cjson.null then return "null" end
  if t == "number" then return number(v) end
  if t == "string" or t == "boolean" then return cjson.encode(v) end
  if t ~= "table" then error("cannot encode a " .. t .. " as JSON") end
  local nl = indent and ("\n" .. string.rep(indent, depth + 1)) or ""
  local close = indent and ("\n" .. string.rep(indent, depth)) or ""
  local sep = indent and ": " or ":"
  local parts = {}
  if v.__keys then
    for _, k in ipairs(v.__keys) do
      parts[#parts + 1] = nl .. cjson.encode(k) .. sep .. encode(v[k], indent, depth + 1)
    end
    return "{" .. table.concat(parts, ",") .. close .. "}"
  end
  if #v > 0 or next(v) == nil then
    local fast = math.type(v[1]) and json_numbers(v) -- a list of numbers: formatted in C
    if fast then return fast end
    for i = 1, #v do parts[i] = encode(v[i], nil, 0) end -- lists stay on one line
    return "[" .. table.concat(parts, ", ") .. "]"
  end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = nl .. cjson.encode(k) .. sep .. encode(v[k], indent, depth + 1) end
  return "{" .. table.concat(parts, ",") .. close .. "}"
end

--- A new ordered object.
---@return table
function M.object() return { __keys = {} } end

--- Sets key (appending it to the order the first time).
---@param o table
---@param k string
---@param v any
function M.set(o, k, v)
  if v == nil then v = cjson.null end
  if o[k] == nil then o.__keys[#o.__keys + 1] = k end
  o[k] = v
end

--- Encodes v; indent (e.g. "  ") pretty-prints objects.
---@param v any
---@param indent? string
---@return string
function M.encode(v, indent) return encode(v, indent, 0) end

M.number = number

return M
