--- The JSON report (schema: docs/reference/report-json.md), streamed: the
--- file is `{"format":..,"meta":{..},"tests":[records..]}` and stays a
--- complete JSON document after every write, because each batch of records
--- (written at most every 50 ms) goes over the closing `]}` and is followed
--- by it again. finish() adds "summary".
---
---   local j = require("omni.report.json").new({ path = "results.json" })
---   j:start(meta); j:result(rec) ...; j:finish(summary)
local cjson = require "cjson"
local text = require "omni.report.text"
local now_ns = require("omni.core.clock").now_ns

local M = {}

M.FORMAT = "omnilua-results"
M.VERSION = 1

-- Fields whose value is a JSON array even when empty (cjson cannot tell).
local ARRAYS = { marks = true, args = true, items = true }

-- Record fields in the order they are written (stable, readable files).
local RECORD_FIELDS = { "nodeid", "outcome", "when", "duration", "file", "line", "name",
  "classname", "marks", "params", "message", "reason", "cause", "longrepr", "stdout", "stderr" }

local encode

local function encode_string(s) return cjson.encode(text.clean_utf8(s)) end

local function encode_number(n)
  if n ~= n or n == math.huge or n == -math.huge then return "null" end
  if math.type(n) == "integer" then return tostring(n) end
  local s = string.format("%.17g", n)
  local short = string.format("%.6f", n):gsub("0+$", ""):gsub("%.$", ".0")
  if tonumber(short) == n then return short end
  return s
end

local function is_sequence(t)
  local n = #t
  if n == 0 then return false end
  local count = 0
  for _ in next, t do count = count + 1 end
  return count == n
end

local function encode_table(t, as_array, depth)
  if depth > 32 then return "null" end
  if as_array or is_sequence(t) then
    local out = {}
    for i = 1, #t do out[i] = encode(t[i], false, depth + 1) end
    return "[" .. table.concat(out, ",") .. "]"
  end
  local keys = {}
  for k in next, t do keys[#keys + 1] = tostring(k) end
  table.sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = t[k]
    if v == nil then v = t[tonumber(k)] end
    out[#out + 1] = encode_string(k) .. ":" .. encode(v, ARRAYS[k], depth + 1)
  end
  return "{" .. table.concat(out, ",") .. "}"
end

encode = function(v, as_array, depth)
  local t = type(v)
  if t == "string" then return encode_string(v) end
  if t == "number" then return encode_number(v) end
  if t == "boolean" then return tostring(v) end
  if t == "table" then return encode_table(v, as_array, depth or 0) end
  return "null"
end

local FIXED = {}
for _, k in ipairs(RECORD_FIELDS) do FIXED[k] = true end

local function encode_record(rec)
  local out = {}
  for _, k in ipairs(RECORD_FIELDS) do
    local v = rec[k]
    if k == "marks" then
      v = v or {}
    elseif k == "params" then
      v = v or {}
    end
    out[#out + 1] = encode_string(k) .. ":" .. encode(v, ARRAYS[k], 0)
  end
  -- whatever else a record carries (flaky, reruns, rerun_failures, category,
  -- category_link, level, step, ...) follows the fixed fields, sorted
  local extra
  for k in next, rec do
    if not FIXED[k] and type(k) == "string" then
      extra = extra or {}
      extra[#extra + 1] = k
    end
  end
  if extra then
    table.sort(extra)
    for _, k in ipairs(extra) do out[#out + 1] = encode_string(k) .. ":" .. encode(rec[k], false, 0) end
  end
  return "{" .. table.concat(out, ",") .. "}"
end

M.encode = encode

local Json = {}
Json.__index = Json

---@class omni.report.JsonOptions
---@field path string the JSON file to write
---@field flush_interval? number seconds between writes (0, the default: after every result)

---@param opts omni.report.JsonOptions
---@return table reporter
function M.new(opts)
  if type(opts) ~= "table" or type(opts.path) ~= "string" then
    error("bad argument #1 to 'new' (table with a string 'path' expected)", 2)
  end
  return setmetatable({ path = opts.path, n = 0, pending = {}, flushed_at = 0,
    flush_ns = math.floor((opts.flush_interval or 0) * 1e9) }, Json)
end

local TAIL = "\n]}\n"

--- Opens (truncates) the file and writes the metadata and an empty list.
---@param meta table
---@return boolean? ok, string? err
function Json:start(meta)
  local f, err = io.open(self.path, "w+b")
  if not f then return nil, "cannot write JSON report: " .. tostring(err) end
  self.file = f
  local head = string.format('{"format":%s,"version":%d,\n"meta":%s,\n"tests":[',
    encode_string(M.FORMAT), M.VERSION, encode(meta or {}, false, 0))
  f:write(head, TAIL)
  f:flush()
  self.body_end = #head
  return true
end

-- Records are written at once (flush_interval 0, the default) or in
-- batches at most every flush_interval seconds and at finish; each batch
-- goes over the closing `]}` and is followed by it again, so the file on
-- disk is a complete document after every write. A process killed by
-- SIGKILL loses at most the last flush_interval of results from the file.

function Json:write_pending()
  local pending = self.pending
  if #pending == 0 or not self.file then return end
  local s = table.concat(pending)
  self.pending = {}
  self.file:seek("set", self.body_end)
  self.file:write(s, TAIL)
  self.file:flush()
  self.body_end = self.body_end + #s
  self.flushed_at = now_ns()
end

function Json:append(rec)
  if not self.file then return end
  local pending = self.pending
  pending[#pending + 1] = (self.n > 0 and ",\n" or "\n") .. encode_record(rec)
  self.n = self.n + 1
  if self.flush_ns == 0 or now_ns() - self.flushed_at >= self.flush_ns then self:write_pending() end
end

---@param rec table
function Json:collect_error(rec) self:append(rec) end

---@param rec table
function Json:result(rec) self:append(rec) end

--- Closes the list and adds the run's summary object.
---@param summary table
function Json:finish(summary)
  if not self.file then return end
  self:write_pending()
  self.file:seek("set", self.body_end)
  self.file:write("\n],\n\"summary\":", encode(summary or {}, false, 0), "}\n")
  self.file:close()
  self.file = nil
end

return M
