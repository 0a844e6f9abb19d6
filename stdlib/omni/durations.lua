--- Recorded test durations (`.omnilua/durations.json`): recorded after each
--- run, merged across runs and shards, and used to predict how long a
--- selection will take (budget forecast) and to balance shards.
---
--- File shape: { "version": 1, "tests": { "<nodeid>": { "mean": s, "last": s,
--- "n": runs, "file": path, "marks": [..] } }, "journal": { "id", "bytes" } }
---
--- A run does not rewrite the file (a megabyte for 10 000 tests): it
--- appends its results to `.omnilua/durations.journal` (M.append, see
--- omni.runner.journal). `M.load` -- the readers: shard, forecast,
--- `omnilua levels`, merge -- folds the journal into the file and returns
--- the whole; so does an append that makes the journal larger than
--- max(1 MiB, 4 x the file). Folding gives the values recording each run
--- into the file would have given.
local cjson = require "cjson"
local journal = require "omni.runner.journal"

local M = {}

M.DEFAULT_PATH = ".omnilua/durations.json"
-- Older runs weigh less than this many recent ones, so a test that got
-- slower is noticed within a few runs.
local MAX_WEIGHT = 10
-- Outcomes whose duration says how long the test takes when it runs.
local TIMED = { passed = true, failed = true, error = true, xfailed = true, xpassed = true }

---@return table db an empty durations database
function M.new() return { version = 1, tests = {} } end

-- The journal is folded into the file when it grows past this or
-- JOURNAL_RATIO times the file, whichever is larger.
M.JOURNAL_MIN = 1 << 20
M.JOURNAL_RATIO = 4

local function read_file(path)
  local text = require("omni.files").read(path)
  if not text then return M.new() end
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

local function file_size(path)
  local f = io.open(path, "rb")
  if not f then return 0 end
  local size = f:seek("end")
  f:close()
  return size or 0
end

local function add(entry, d, n)
  n = n or 1
  local w = math.min(entry.n or 0, MAX_WEIGHT)
  entry.mean = ((entry.mean or 0) * w + d * n) / (w + n)
  entry.n = (entry.n or 0) + n
end

-- Whether a result record says how long its test takes.
local function counts(r)
  return r.nodeid ~= nil and TIMED[r.outcome] and r.when ~= "collect" and r.cause ~= "budget"
    and type(r.duration) == "number" and r.duration >= 0 or false
end

--- Records the durations of finished tests (result records) into `db`.
---@param db table
---@param records table[]
---@return integer recorded
function M.record(db, records)
  local count = 0
  for _, r in ipairs(records) do
    if counts(r) then
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

-- Drops entries of vanished test files (deleted, renamed, a temporary
-- suite) before a test run's results count, as the runner always did, so
-- the file does not only grow. A test run's line names its root folder;
-- relative files are looked up there. Each file is looked up once per
-- root and fold, and an index by file makes a prune cost only the files
-- found missing.
local function pruner(db)
  local fs = require "omni.core.fs"
  local exists, by_file, missing = {}, {}, {} -- missing: root -> { file = true }
  local function gone(root, file)
    local p = file:sub(1, 1) == "/" and file or (root .. "/" .. file)
    local ok = exists[p]
    if ok == nil then
      ok = fs.stat(p) ~= nil
      exists[p] = ok
    end
    return not ok
  end
  -- `id` is indexed under its file (or moves there from `old`)
  local function note(id, e, old)
    if old and by_file[old] then by_file[old][id] = nil end
    local file = type(e) == "table" and e.file or id:match("^(.-)::")
    if not file then return end
    local ids = by_file[file]
    if not ids then
      ids = {}
      by_file[file] = ids
      for root, set in pairs(missing) do
        if gone(root, file) then set[file] = true end
      end
    end
    ids[id] = true
  end
  for id, e in pairs(db.tests) do note(id, e) end
  local function prune(root)
    local set = missing[root]
    if not set then
      set = {}
      missing[root] = set
      for file in pairs(by_file) do
        if gone(root, file) then set[file] = true end
      end
    end
    for file in pairs(set) do
      local ids = by_file[file]
      if ids then
        for id in pairs(ids) do db.tests[id] = nil end
        by_file[file] = nil
      end
      set[file] = nil
    end
  end
  return note, prune
end

-- Applies journal runs to `db` in order: what M.record did run by run.
local function apply(db, runs)
  if #runs == 0 then return end
  local note, prune = pruner(db)
  local tests = db.tests
  for _, run in ipairs(runs) do
    if type(run.prune) == "string" then prune(run.prune) end
    local ids, ds, files, fi, mlists, mi = run.id, run.d, run.files, run.fi, run.marks, run.mi
    for i = 1, #ids do
      local id, d = ids[i], ds[i]
      if type(id) == "string" and type(d) == "number" then
        local e = tests[id]
        local new = e == nil
        if new then e = {} end
        add(e, d)
        e.last = d
        local before = e.file
        e.file = files[fi[i]] or before
        local k = mi[i]
        if k ~= 0 and mlists[k] then e.marks = mlists[k] end
        if new then
          tests[id] = e
          note(id, e)
        elseif e.file ~= before then
          note(id, e, before or id:match("^(.-)::"))
        end
      end
    end
  end
end

-- Folds the journal into the file; the caller holds the lock. The file
-- is written first, saying how much of which journal it holds, then the
-- journal goes: cut short in between, the next fold skips what is held.
local function fold_locked(path, jpath)
  local db, warning = read_file(path)
  local runs, id, bytes = journal.read(jpath, db.journal)
  apply(db, runs)
  if id then db.journal = { id = id, bytes = bytes } end
  local ok, err = M.save(db, path)
  if ok then os.remove(jpath) end
  if not ok then warning = "cannot fold the durations journal into " .. path .. ": " .. tostring(err) end
  return db, warning
end

--- Loads the durations: the file with the journal folded in (written back
--- when the lock can be had, else only in memory). A missing file is an
--- empty database, a corrupt one too (with a warning as second value).
---@param path string?
---@return table db, string? warning
function M.load(path)
  path = path or M.DEFAULT_PATH
  local jpath = journal.paths(path)
  if file_size(jpath) == 0 then return read_file(path) end
  local release = journal.lock(path)
  if release then
    local db, warning = fold_locked(path, jpath)
    release()
    return db, warning
  end
  local db, warning = read_file(path)
  local runs, id, bytes = journal.read(jpath, db.journal)
  apply(db, runs)
  -- saved as it is (omnilua merge), the file says how much journal it holds
  if id then db.journal = { id = id, bytes = bytes } end
  return db, warning
end

--- Columns that take result records one at a time as they arrive, for
--- M.append (what the runner uses: most of the work is done during the run).
---@return omni.runner.JournalColumns
function M.columns() return journal.columns(counts) end

--- Appends the durations of finished tests (result records, or columns
--- from M.columns) to the journal: one line, the file is not read. A test
--- run passes its root folder as `root`: entries of test files vanished
--- from there go before its results count. Folds when the journal has
--- grown past its bound.
---@param path string? durations.json
---@param records table[]|omni.runner.JournalColumns
---@param opts? { root: string? }
---@return boolean? ok, string? err
function M.append(path, records, opts)
  path = path or M.DEFAULT_PATH
  local root = opts and opts.root or nil
  local line = getmetatable(records) and records.line and records:line(root)
    or journal.encode(records, root, counts)
  mkdir_for(path)
  local release, err = journal.lock(path)
  if not release then return nil, err end
  local jpath = journal.paths(path)
  local size, aerr = journal.append(jpath, line)
  local ok, ferr = size ~= nil, aerr
  if ok and size > math.max(M.JOURNAL_MIN, M.JOURNAL_RATIO * file_size(path)) then
    local _, warning = fold_locked(path, jpath)
    if warning then ok, ferr = nil, warning end
  end
  release()
  return ok or nil, ferr
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

--- Records `records` in the durations at `path` (appended to its journal).
---@param path string?
---@param records table[]
---@return boolean? ok, string? err
function M.update_file(path, records)
  return M.append(path, records)
end

return M
