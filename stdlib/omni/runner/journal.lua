--- The durations journal (`.omnilua/durations.journal`, next to
--- durations.json): each run appends its results as one line instead of
--- reading and rewriting the whole durations file, and omni.durations
--- folds the journal into the file when someone needs the data.
---
--- Text: a header line `{"journal":"<id>"}`, then one JSON object per run:
--- `{"v":2,"prune":"<root>","id":[nodeid...],"d":[seconds...],
--- "files":[file...],"fi":[files index...],"marks":[[names]...],"mi":[marks index...]}`
--- (index 0: the record had no file / no marks; prune: the root folder of
--- a test run, which drops entries of test files vanished from there
--- before its results count, as the runner always did; false for other
--- writers). A line that does not parse -- the torn end of a
--- writer that was killed -- is skipped. The id changes each time the
--- journal is emptied, so durations.json can say which prefix of which
--- journal it already holds ({ id, bytes }) and a fold cut short between
--- writing the file and emptying the journal never counts a run twice.
---
--- Writers hold a lock (a folder renamed into place: rename fails onto a
--- non-empty folder, so exactly one process gets it), and each append is
--- one write(2) with O_APPEND besides.
local cjson = require "cjson"

local M = {}

-- Seconds to wait for the lock before giving up (a fold of 10 000 tests
-- takes some 50 ms), and the age past which a lock is broken even if its
-- owner lives.
M.LOCK_WAIT = 5
M.LOCK_STALE = 120

local function fs() return require "omni.core.fs" end

local function pid()
  local ok, W = pcall(require, "omni.core.worker")
  return ok and W.getpid and W.getpid() or 0
end

local count = 0
-- Unique among processes and over time (the random state is the user's).
local function token()
  count = count + 1
  local clock = require "omni.core.clock"
  return string.format("%x%x%x", pid(), clock.wall_ns(), count)
end

--- The journal and lock paths of a durations file.
---@param path string durations.json
---@return string journal, string lock
function M.paths(path)
  local base = path:gsub("%.json$", "")
  return base .. ".journal", base .. ".lock"
end

local function rmtree_lock(dir)
  os.remove(dir .. "/owner")
  fs().remove(dir)
end

local function owner_of(lock)
  local f = io.open(lock .. "/owner", "rb")
  local text = f and f:read("a") or ""
  if f then f:close() end
  return text
end

local function stale(text, lock)
  local owner, since = text:match("^(%d+) (%d+)")
  if not owner then
    -- being released (owner file gone) or unreadable: stale once old
    local st = fs().stat(lock)
    return st ~= nil and (os.time() - (st.mtime_ns or 0) / 1e9) > M.LOCK_STALE
  end
  if os.time() - tonumber(since) > M.LOCK_STALE then return true end
  return tonumber(owner) ~= pid() and fs().stat("/proc/" .. owner) == nil and fs().stat("/proc/self") ~= nil
end

--- Takes the lock of `path` (waiting up to LOCK_WAIT s); returns a release
--- function, or nil and why.
---@param path string durations.json
---@return function? release, string? err
function M.lock(path)
  local _, lock = M.paths(path)
  local dir = lock:match("^(.*)/[^/]+$")
  if dir then fs().mkdir(dir) end
  local mine = lock .. ".take." .. token()
  local clock = require "omni.core.clock"
  local deadline = clock.now_ns() + M.LOCK_WAIT * 1e9
  local delay = 0.001
  while true do
    if not fs().mkdir(mine) then return nil, "cannot create " .. mine end
    local f = io.open(mine .. "/owner", "wb")
    if not f then rmtree_lock(mine) return nil, "cannot write " .. mine .. "/owner" end
    local me = pid() .. " " .. os.time() .. " " .. mine .. "\n"
    f:write(me)
    f:close()
    if os.rename(mine, lock) then
      return function()
        if owner_of(lock) ~= me then return end -- broken as stale meanwhile: not ours
        local away = lock .. ".drop." .. token()
        if os.rename(lock, away) then rmtree_lock(away) end
      end
    end
    rmtree_lock(mine)
    local held = owner_of(lock)
    if stale(held, lock) then
      local away = lock .. ".stale." .. token()
      if os.rename(lock, away) then
        -- another process may have broken it and taken it since we read
        -- the owner: give that one back
        if owner_of(away) == held then rmtree_lock(away) else os.rename(away, lock) end
      end
    elseif clock.now_ns() > deadline then
      return nil, "the lock " .. lock .. " is held by another omnilua"
    else
      clock.sleep(delay)
      delay = math.min(delay * 2, 0.05)
    end
  end
end

---@class omni.runner.JournalColumns
---@field n integer records taken
local Columns = {}
Columns.__index = Columns

--- Columns that take result records one at a time (the runner adds each
--- as it arrives, while workers run, so little is left for the end) and
--- make one journal line: the records `counts` accepts, in order, as a
--- few arrays that cjson encodes and decodes in C. Durations keep 14
--- digits, as the runner always sent them.
---@param counts fun(r: table): boolean which records say how long a test takes
---@return omni.runner.JournalColumns
function M.columns(counts)
  return setmetatable({ counts = counts, n = 0, ids = {}, ds = {}, fi = {}, mi = {},
    files = {}, findex = {}, mlists = {}, mindex = {} }, Columns)
end

local huge = math.huge

---@param r table a result record
function Columns:add(r)
  local d = r.duration
  if not (self.counts(r) and d == d and d < huge) then return end
  local n = self.n + 1
  self.n = n
  self.ids[n] = r.nodeid
  self.ds[n] = d
  local file, k = r.file, 0
  if file ~= nil then
    k = self.findex[file]
    if not k then
      local files = self.files
      files[#files + 1] = file
      k = #files
      self.findex[file] = k
    end
  end
  self.fi[n] = k
  local marks = r.marks
  k = 0
  if type(marks) == "table" then
    k = self.mindex[marks]
    if not k then
      local names = {}
      for i, m in ipairs(marks) do names[i] = type(m) == "table" and m.name or tostring(m) end
      local mlists = self.mlists
      mlists[#mlists + 1] = names
      k = #mlists
      self.mindex[marks] = k
    end
  end
  self.mi[n] = k
end

--- The journal line (with its newline).
---@param root string? a test run's root folder (its line prunes)
---@return string
function Columns:line(root)
  local enc = cjson.encode
  local function list(t) return #t == 0 and "[]" or enc(t) end -- {} would be an object
  local ml = {}
  for i, names in ipairs(self.mlists) do ml[i] = list(names) end
  return '{"v":2,"prune":' .. (root and enc(root) or "false") .. ',"id":' .. list(self.ids)
    .. ',"d":' .. list(self.ds) .. ',"files":' .. list(self.files) .. ',"fi":' .. list(self.fi)
    .. ',"marks":[' .. table.concat(ml, ",") .. '],"mi":' .. list(self.mi) .. "}\n"
end

--- One journal line for a list of result records.
---@param records table[]
---@param root string?
---@param counts fun(r: table): boolean
---@return string line, integer n records written
function M.encode(records, root, counts)
  local c = M.columns(counts)
  for _, r in ipairs(records) do c:add(r) end
  return c:line(root), c.n
end

--- Appends a line (the caller holds the lock): a header first in an empty
--- journal, a newline first after a torn last line. One write(2).
---@param jpath string
---@param line string
---@return integer? size the journal's size after, string? err
function M.append(jpath, line)
  local st = fs().stat(jpath)
  local size = st and st.size or 0
  local head = ""
  if size == 0 then
    head = '{"journal":"' .. token() .. '"}\n'
  else
    local r = io.open(jpath, "rb")
    if r then
      r:seek("set", size - 1)
      if r:read(1) ~= "\n" then head = "\n" end
      r:close()
    end
  end
  local f, err = io.open(jpath, "ab")
  if not f then return nil, err end
  f:setvbuf("no")
  local data = head .. line
  local ok, werr = f:write(data)
  f:close()
  if not ok then return nil, werr end
  return size + #data
end

--- Reads the journal: its id and the runs after `skip` bytes (when `id`
--- matches the one durations.json says it holds a prefix of).
---@param jpath string
---@param held? { id: string, bytes: integer } what the durations file already holds
---@return table[] runs (see M.encode), string? id, integer bytes read
function M.read(jpath, held)
  local f = io.open(jpath, "rb")
  if not f then return {}, nil, 0 end
  local text = f:read("a")
  f:close()
  local runs, id = {}, nil
  local first_end = text:find("\n", 1, true)
  if not first_end then return runs, nil, 0 end -- not even a whole header
  local okh, header = pcall(cjson.decode, text:sub(1, first_end - 1))
  if okh and type(header) == "table" and type(header.journal) == "string" then id = header.journal end
  local pos = first_end + 1
  local held_bytes = type(held) == "table" and held.id == id and math.tointeger(held.bytes) -- JSON: a float
  if id and held_bytes and held_bytes >= first_end then pos = held_bytes + 1 end
  -- only whole lines: a torn last line (no newline) is left out, and its
  -- bytes are not counted as held
  local last = pos - 1 -- held or header bytes count as read
  while true do
    local e = text:find("\n", pos, true)
    if not e then break end
    local line = text:sub(pos, e - 1)
    if line ~= "" then
      local ok, v = pcall(cjson.decode, line)
      if ok and type(v) == "table" and v.v == 2 and type(v.id) == "table" and type(v.d) == "table"
          and type(v.files) == "table" and type(v.fi) == "table" and type(v.marks) == "table"
          and type(v.mi) == "table" then
        runs[#runs + 1] = v
      end
    end
    last = e
    pos = e + 1
  end
  return runs, id, last
end

return M
