--- omni.yaml: YAML in and out (libyaml), tables in, tables out.
---
--- Scalars are typed as PyYAML's `yaml.safe_load` types them (YAML 1.1), so a
--- config means to omnilua what it means to the Python engine that reads it:
--- `5` integer, `0.9` float, `yes`/`true`/`on` true, `~`/`null`/empty null,
--- quoted text always a string, `1e3` a string (1.1 floats need a dot).
--- Null is `yaml.null` (the same value as `cjson.null`), so it survives in
--- lists and round-trips. Anchors, aliases and `<<` merge keys are resolved.
---
--- ```lua
--- local yaml = require "omni.yaml"
--- local cfg = assert(yaml.load_file("stage_configs/dummy.yaml"))
--- print(yaml.dump({ stage_id = 0, engine_args = { load_format = "dummy" } }))
--- ```
local core = require "omni.core.yaml"

local M = {}

--- The null value (`cjson.null`): what YAML `null`/`~` loads as.
M.null = core.null
--- Metatable of empty mappings from `load`; set it on an empty table to dump `{}` (else `[]`).
M.mapping_mt = core.mapping_mt

local function read_source(src)
  if type(src) == "string" then return src end
  if io.type(src) == "file" then return src:read("a") end
  error("bad argument #1 to 'load' (string or file expected, got " .. type(src) .. ")", 3)
end

--- Parses every document of a YAML stream.
---@param src string|file* YAML text or an open file
---@param name? string shown in error messages (default "<string>")
---@return any[]? docs one value per document (`yaml.null` for an empty one)
---@return string? err "name:line:column: problem (context)"
---@return string? code "EYAML"
function M.load_all(src, name)
  return core.load(read_source(src), name)
end

--- Parses a single-document YAML text. An empty stream gives `yaml.null`;
--- several documents are an error (use `load_all`).
---@param src string|file* YAML text or an open file
---@param name? string shown in error messages (default "<string>")
---@return any? value the document (a table for configs)
---@return string? err "name:line:column: problem (context)"
---@return string? code "EYAML"
function M.load(src, name)
  local docs, err, code = core.load(read_source(src), name)
  if not docs then return nil, err, code end
  if #docs > 1 then
    return nil, string.format("%s: expected one YAML document, found %d (use yaml.load_all)",
      name or "<string>", #docs), "EYAML"
  end
  if #docs == 0 then return M.null end
  return docs[1]
end

--- Reads and parses a YAML file; errors name the file, line and column.
---@param path string
---@return any? value
---@return string? err
---@return string? code "ENOENT" (cannot read) or "EYAML"
function M.load_file(path)
  assert(type(path) == "string", "bad argument #1 to 'load_file' (string expected)")
  local f, err = io.open(path, "rb")
  if not f then return nil, "cannot read " .. err, "ENOENT" end
  local text = f:read("a")
  f:close()
  return M.load(text, path)
end

-- Key order for dump: `stage_id` first (it names a stage), then numbers
-- ascending, strings in byte order, booleans false before true.
local rank = { number = 1, string = 2, boolean = 3 }
local function key_less(a, b)
  if a == "stage_id" or b == "stage_id" then return a == "stage_id" and b ~= "stage_id" end
  local ta, tb = type(a), type(b)
  if ta ~= tb then return rank[ta] < rank[tb] end
  if ta == "boolean" then return (not a) and b end
  return a < b
end

local function is_list(t)
  if getmetatable(t) == M.mapping_mt then return false end
  local n = 0
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 then return false end
    n = n + 1
  end
  for i = 1, n do
    if t[i] == nil then return false end
  end
  return true
end

local function path_of(path) return #path == 0 and "(root)" or table.concat(path) end

local function write_value(w, v, path, active)
  local tv = type(v)
  local ok, err
  if tv == "table" then
    if active[v] then error("yaml.dump: cycle at " .. path_of(path), 0) end
    active[v] = true
    if is_list(v) then
      ok, err = w:seq_start()
      for i = 1, #v do
        if ok then
          path[#path + 1] = "[" .. i .. "]"
          write_value(w, v[i], path, active)
          path[#path] = nil
        end
      end
      ok, err = w:seq_end()
    else
      local keys = {}
      for k in pairs(v) do
        local tk = type(k)
        if not rank[tk] or k ~= k then
          error(string.format("yaml.dump: unsupported key %s (%s) at %s", tostring(k), tk,
            path_of(path)), 0)
        end
        keys[#keys + 1] = k
      end
      table.sort(keys, key_less)
      ok, err = w:map_start()
      for _, k in ipairs(keys) do
        path[#path + 1] = (#path > 0 and "." or "") .. tostring(k)
        if type(k) == "string" then ok, err = w:string(k)
        elseif type(k) == "number" then ok, err = w:number(k)
        else ok, err = w:bool(k) end
        if not ok then error("yaml.dump: " .. err .. " at key " .. path_of(path), 0) end
        write_value(w, v[k], path, active)
        path[#path] = nil
      end
      ok, err = w:map_end()
    end
    active[v] = nil
  elseif tv == "string" then ok, err = w:string(v)
  elseif tv == "number" then ok, err = w:number(v)
  elseif tv == "boolean" then ok, err = w:bool(v)
  elseif v == M.null then ok, err = w:null()
  else
    error(string.format("yaml.dump: cannot write a %s at %s", tv, path_of(path)), 0)
  end
  if not ok then error("yaml.dump: " .. err .. " at " .. path_of(path), 0) end
end

--- Writes a value as a YAML document: map keys sorted with `stage_id` first
--- (Lua tables keep no insertion order), lists as block sequences, strings
--- quoted when they would otherwise read back as another type. `load(dump(x))`
--- equals `x`. Raises on functions, userdata other than null, and cycles.
---@param value any
---@return string text
function M.dump(value)
  local w <close> = core.writer()
  write_value(w, value, {}, {})
  local text, err = w:finish()
  if not text then error("yaml.dump: " .. err, 2) end
  return text
end

--- Writes `dump(value)` to a file.
---@param path string
---@param value any
---@return boolean? ok
---@return string? err
---@return string? code "EIO"
function M.dump_file(path, value)
  local text = M.dump(value)
  local f, err = io.open(path, "wb")
  if not f then return nil, "cannot write " .. err, "EIO" end
  local okw, werr = f:write(text)
  f:close()
  if not okw then return nil, "cannot write " .. path .. ": " .. tostring(werr), "EIO" end
  return true
end

return M
