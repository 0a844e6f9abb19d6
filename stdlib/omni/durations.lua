--- Recorded test durations (`.omnilua/durations.json`): recorded after each
--- run, merged across runs and shards, and used to predict how long a
--- selection will take (budget forecast) and to balance shards.
---
--- File shape: { "version": 1, "tests": { "<nodeid>": { "mean": s, "last": s,
--- "n": runs, "file": path, "marks": [..] } } }
local cjson = require "cjson"

local M = {}

M.DEFAULT_PATH = ".omnilua/durations.json"
-- Older runs weigh less than this many recent ones, so a test that got
-- slower is noticed within a few runs.
local MAX_WEIGHT = 10
-- Outcomes whose duration says how long the test takes when it runs.
local TIMED = { passed = true, failed = true, error = true, xfailed = true, xpassed = true }

---@return table db an empty durations database
function M.new() return { version = 1, tests = {} } end

--- Loads a durations file; a missing file is an empty database, a corrupt
--- one too (with a warning returned as the second value).
---@param path string?
---@return table db, string? warning
function M.load(path)
  path = path or M.DEFAULT_PATH
  local f = io.open(path, "rb")
  if not f then return M.new() end
  local text = f:read("a")
  f:close()
  local ok, v = pcall(cjson.decode, text)
  if not ok or type(v) ~= "table" or type(v.tests) ~= "table" then
    return M.new(), "ignoring unreadable durations file " .. path
  end
  return v
end

local function mkdir_for(path)
  local dir = path:match("^(.*)/[^/]+$")
  if not dir or dir == "" then return end
  local ok, fs = pcall(require, "omni.core.fs")
  if ok then fs.mkdir(dir) else os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'") end
end

--- Saves atomically (write then rename), so a killed run never leaves half a file.
---@param db table
---@param path string?
---@return boolean? ok, string? err
function M.save(db, path)
  path = path or M.DEFAULT_PATH
  mkdir_for(path)
  local tmp = path .. ".tmp" .. tostring(os.time()) .. tostring(math.random(1e6))
  local f, err = io.open(tmp, "wb")
  if not f then return nil, err end
  f:write(cjson.encode(db))
  f:close()
  local ok, rerr = os.rename(tmp, path)
  if not ok then os.remove(tmp) return nil, rerr end
  return true
end

local function add(entry, d, n)
  n = n or 1
  local w = math.min(entry.n or 0, MAX_WEIGHT)
  entry.mean = ((entry.mean or 0) * w + d * n) / (w + n)
  entry.n = (entry.n or 0) + n
end

--- Records the durations of finished tests (result records) into `db`.
---@param db table
---@param records table[]
---@return integer recorded
function M.record(db, records)
  local count = 0
  for _, r in ipairs(records) do
    if r.nodeid and TIMED[r.outcome] and r.when ~= "collect" and r.cause ~= "budget"
        and type(r.duration) == "number" and r.duration >= 0 then
      local e = db.tests[r.nodeid] or {}
      add(e, r.duration)
      e.last = r.duration
      e.file = r.file or e.file
      if type(r.marks) == "table" then
        local marks = {}
        for _, m in ipairs(r.marks) do marks[#marks + 1] = type(m) == "table" and m.name or m end
        e.marks = marks
      end
      db.tests[r.nodeid] = e
      count = count + 1
    end
  end
  return count
end

--- Merges database `other` into `db` (runs on other machines, other shards).
---@param db table
---@param other table
---@return table db
function M.merge(db, other)
  for id, o in pairs(other.tests or {}) do
    local e = db.tests[id]
    if not e then
      db.tests[id] = { mean = o.mean, last = o.last, n = o.n, file = o.file, marks = o.marks }
    elseif type(o.mean) == "number" then
      local wa, wb = math.min(e.n or 1, MAX_WEIGHT), math.min(o.n or 1, MAX_WEIGHT)
      e.mean = ((e.mean or o.mean) * wa + o.mean * wb) / (wa + wb)
      e.n = (e.n or 0) + (o.n or 1)
      e.last = o.last or e.last
      e.file = e.file or o.file
      e.marks = e.marks or o.marks
    end
  end
  return db
end

--- Expected duration of one test, or nil when unknown.
---@param db table
---@param nodeid string
---@return number?
function M.expected(db, nodeid)
  local e = db.tests[nodeid]
  return e and e.mean
end

local function median(values)
  if #values == 0 then return nil end
  table.sort(values)
  local m = (#values + 1) // 2
  if #values % 2 == 1 then return values[m] end
  return (values[m] + values[m + 1]) / 2
end

--- Predicts the time of a selection of node ids: known tests by their
--- recorded mean, unknown ones by the median of the known (or `default`).
---@param db table
---@param nodeids string[]
---@param default number? seconds per unknown test when nothing is known (1)
---@return table { seconds = n, known = n, unknown = n }
function M.predict(db, nodeids, default)
  local known, total, means = 0, 0, {}
  for _, e in pairs(db.tests) do means[#means + 1] = e.mean end
  local fill = median(means) or default or 1
  for _, id in ipairs(nodeids) do
    local d = M.expected(db, id)
    if d then known = known + 1; total = total + d else total = total + fill end
  end
  return { seconds = total, known = known, unknown = #nodeids - known }
end

local function glob_to_pattern(glob)
  return "^" .. glob:gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0"):gsub("%*", "[^/]*"):gsub("%?", "[^/]") .. "$"
end
M.glob_to_pattern = glob_to_pattern

local function under(file, path)
  path = path:gsub("/+$", "")
  return file == path or file:sub(1, #path + 1) == path .. "/"
end

--- The recorded tests a level's test step would select (by folder, file
--- pattern, exclusions and, when omni.core.expr is there, the marker
--- expression), for predictions before anything is collected.
---@param db table
---@param step table a validated tests step
---@return string[] nodeids
function M.select_step(db, step)
  local compiled
  if step.markers then
    local ok, expr = pcall(require, "omni.core.expr")
    if ok and expr.compile then compiled = expr.compile(step.markers, "m") end
  end
  local out = {}
  for id, e in pairs(db.tests) do
    local file = e.file or id:match("^([^:]+)::") or id
    local ok = false
    for _, p in ipairs(step.tests or {}) do if under(file, p) then ok = true break end end
    if ok and step.files then
      local base = file:match("([^/]+)$")
      local any = false
      for _, g in ipairs(step.files) do if base:match(glob_to_pattern(g)) then any = true break end end
      ok = any
    end
    if ok and require("omni.pipeline").excluded(step, file) then ok = false end
    if ok and compiled then ok = compiled:match_marks(e.marks or {}) end
    if ok then out[#out + 1] = id end
  end
  table.sort(out)
  return out
end

--- Compares a prediction with a budget.
---@param predicted number seconds
---@param budget number? seconds (nil: unlimited)
---@param strict boolean? refuse instead of warn
---@return "ok"|"warn"|"refuse" verdict, string? message
function M.forecast(predicted, budget, strict)
  if not budget or predicted <= budget then return "ok" end
  local level = require "omni.level"
  local msg = string.format("forecast: the selection needs about %s but the budget is %s",
    level.format_duration(predicted), level.format_duration(budget))
  return strict and "refuse" or "warn", msg
end

--- Loads the file at `path`, records `records`, saves. For the runner.
---@param path string?
---@param records table[]
---@return boolean? ok, string? err
function M.update_file(path, records)
  local db = M.load(path)
  M.record(db, records)
  return M.save(db, path)
end

return M
