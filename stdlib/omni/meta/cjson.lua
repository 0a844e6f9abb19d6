---@meta cjson
--- cjson (lua-cjson, linked into omnilua): JSON in and out. Objects decode
--- to tables, arrays to lists, JSON null to `cjson.null` (the same value as
--- `omni.yaml.null`). An empty table encodes as `{}`.
---
--- ```lua
--- local cjson = require "cjson"
--- local doc = cjson.decode('{"a": [1, 2, null]}')
--- print(doc.a[3] == cjson.null, cjson.encode({ ok = true }))   --> true  {"ok":true}
--- ```
local M = {}

--- JSON null (a NULL lightuserdata).
---@type lightuserdata
M.null = {} -- a placeholder: the real value is a NULL lightuserdata

--- Encodes a value; raises on functions, cycles, sparse arrays and NaN.
---@param value any
---@return string json
function M.encode(value) end

--- Decodes JSON text; raises on malformed input (use pcall).
---@param text string
---@return any value
function M.decode(text) end

--- A new independent cjson module (its own settings).
---@return table cjson
function M.new() end

--- Gets/sets the depth beyond which encode raises (default 1000).
---@param depth? integer
---@return integer depth
function M.encode_max_depth(depth) end

--- Gets/sets the depth beyond which decode raises (default 1000).
---@param depth? integer
---@return integer depth
function M.decode_max_depth(depth) end

--- Gets/sets the significant digits of encoded numbers (1..14, default 14).
---@param precision? integer
---@return integer precision
function M.encode_number_precision(precision) end

--- Gets/sets how sparse arrays encode: convert (as objects), ratio, safe.
---@param convert? boolean
---@param ratio? integer
---@param safe? integer
---@return boolean convert, integer ratio, integer safe
function M.encode_sparse_array(convert, ratio, safe) end

--- Gets/sets whether NaN and infinity encode (true, false or "null").
---@param setting? boolean|"null"
---@return boolean|"null" setting
function M.encode_invalid_numbers(setting) end

--- Gets/sets whether NaN, Infinity and hex numbers decode.
---@param setting? boolean
---@return boolean setting
function M.decode_invalid_numbers(setting) end

--- Gets/sets whether the encode buffer is kept between calls.
---@param keep? boolean
---@return boolean keep
function M.encode_keep_buffer(keep) end

return M
