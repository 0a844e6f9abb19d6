--- Records the run's test durations in `.omnilua/durations.json` (see
--- omni.durations) from a helper process, so that the parent's critical
--- path stays short: the helper is forked before collection and decodes the
--- old file while the parent collects (a core is idle then), takes the
--- results as they arrive (tab-separated lines over its pipe, sent in
--- batches), and at the end merges and saves. Entries of test files that
--- no longer exist are dropped. The parent waits for it, so
--- the file is complete when omnilua exits; a run that ends early (usage
--- error, collection error) closes the pipe without "end" and nothing is
--- written.
local W = require "omni.core.worker"
local clock = require "omni.core.clock"

local M = {}

local BATCH = 512

local ESC = { ["\\"] = "\\\\", ["\t"] = "\\t", ["\n"] = "\\n" }
local UNESC = { ["\\\\"] = "\\", ["\\t"] = "\t", ["\\n"] = "\n" }

local function esc(s)
  s = s or ""
  if s:find("[\\\t\n]") then s = s:gsub("[\\\t\n]", ESC) end
  return s
end

local function unesc(s)
  if s:find("\\", 1, true) then s = s:gsub("\\[\\tn]", UNESC) end
  return s
end

-- The helper's side: never returns.
local function serve(path)
  local ok, err = pcall(function()
    local durations = require "omni.durations"
    local fs = require "omni.core.fs"
    local db = durations.load(path)
    -- tests whose file is gone (deleted, renamed, a temporary suite) leave
    -- the file, which would otherwise only grow
    local exists = {}
    for id, e in pairs(db.tests) do
      local file = type(e) == "table" and e.file or id:match("^(.-)::")
      if file then
        local ok = exists[file]
        if ok == nil then
          ok = fs.stat(file) ~= nil
          exists[file] = ok
        end
        if not ok then db.tests[id] = nil end
      end
    end
    local recs, finished = {}, false
    while true do
      local line = W.recv()
      if not line then break end
      if line == "end" then finished = true; break end
      local nodeid, outcome, when, cause, d, file, marks =
        line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      if nodeid then
        local m = {}
        for name in marks:gmatch("[^,]+") do m[#m + 1] = name end
        recs[#recs + 1] = { nodeid = unesc(nodeid), outcome = outcome, when = when,
          cause = cause ~= "" and cause or nil, duration = tonumber(d), file = unesc(file), marks = m }
      end
      if #recs >= BATCH then
        durations.record(db, recs)
        recs = {}
      end
    end
    if finished then
      durations.record(db, recs)
      local saved, serr = durations.save(db, path)
      if not saved then error("cannot write " .. path .. ": " .. tostring(serr), 0) end
    end
  end)
  if not ok then io.stderr:write("WARNING: durations not recorded: ", tostring(err), "\n") end
  W.exit(ok and 0 or 1)
end

---@class omni.runner.Recorder
---@field id integer worker slot of the helper
---@field buf string[] lines not sent yet
local Recorder = {}
Recorder.__index = Recorder

--- Forks the helper that will update the durations file at `path`.
---@param path string
---@return omni.runner.Recorder? recorder nil when it cannot fork
function M.start(path)
  W.init_parent()
  local id = W.fork()
  if id == false then serve(path) end
  if not id then return nil end
  return setmetatable({ id = id, buf = {} }, Recorder)
end

--- Queues one result record (sent in batches).
---@param rec table
function Recorder:add(rec)
  local marks = rec.marks
  local buf = self.buf
  buf[#buf + 1] = esc(rec.nodeid) .. "\t" .. (rec.outcome or "") .. "\t" .. (rec.when or "") .. "\t"
    .. (rec.cause or "") .. "\t" .. (rec.duration or 0) .. "\t" .. esc(rec.file) .. "\t"
    .. ((marks and #marks > 0) and table.concat(marks, ",") or "") .. "\n"
  if #buf >= BATCH then self:flush() end
end

function Recorder:flush()
  if #self.buf == 0 or self.failed then return end
  if not W.send(self.id, table.concat(self.buf)) then self.failed = true end
  self.buf = {}
end

--- Sends the rest and "end", and waits (at most `timeout` s, default 10)
--- until the helper has saved the file.
---@param timeout? number
---@return boolean saved
function Recorder:finish(timeout)
  self.buf[#self.buf + 1] = "end\n"
  self:flush()
  local deadline = clock.now_ns() + (timeout or 10) * 1e9
  local code
  while clock.now_ns() < deadline and code == nil do
    local ev = require("omni.runner.run").flat(W.poll(0.2))
    for j = 1, #ev, 3 do
      if ev[j] == self.id and ev[j + 1] == "exit" then
        local _, c = W.status(self.id)
        code = c or -1
      end
    end
  end
  if code == nil then W.kill(self.id) end
  W.release(self.id)
  return code == 0
end

--- Abandons the helper (nothing is written): for runs that end early.
function Recorder:cancel()
  W.kill(self.id)
  W.release(self.id)
end

return M
