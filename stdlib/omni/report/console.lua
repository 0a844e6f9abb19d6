--- The console reporter, shaped like pytest's terminal output: progress
--- letters per file (or one line per test with -v), failures and errors at
--- the end, "short test summary info", then the closing counts line.
---
---   local r = require("omni.report.console").new({ verbosity = 0, width = 80 })
---   r:start(meta); r:result(rec) ...; r:finish(summary)
local text = require "omni.report.text"
local now_ns = require("omni.core.clock").now_ns

local FLUSH_NS = 50 * 1000000

local M = {}

local LETTER = { passed = ".", failed = "F", error = "E", skipped = "s", xfailed = "x",
  xpassed = "X" }
local WORD = { passed = "PASSED", failed = "FAILED", error = "ERROR", skipped = "SKIPPED",
  xfailed = "XFAIL", xpassed = "XPASS", notrun = "NOT RUN" }
local COLOR = { passed = "32", failed = "31", error = "31", skipped = "33", xfailed = "33",
  xpassed = "33", notrun = "33" }
local CAUSE = { timeout = "timeout", signal = "signal", memory = "memory limit",
  budget = "budget", exit = "exit", interrupted = "interrupted" }

---@class omni.report.ConsoleOptions
---@field verbosity? integer -2..2 (-q is -1, -v is 1)
---@field color? boolean ANSI colours (only on a TTY)
---@field out? file* default io.stdout
---@field width? integer terminal columns (default 80)
---@field ci? boolean do not cut summary lines to the width

local Console = {}
Console.__index = Console

---@param opts? omni.report.ConsoleOptions
---@return table reporter
function M.new(opts)
  opts = opts or {}
  return setmetatable({
    verbosity = opts.verbosity or 0,
    color = opts.color and true or false,
    out = opts.out or io.stdout,
    width = math.max(opts.width or 80, 20),
    ci = opts.ci and true or false,
    done = 0,        -- results seen, for the percentage
    total = 0,
    column = 0,      -- characters on the current progress line
    line_file = nil, -- file whose letters the current line shows
    failures = {},
    errors = {},
    results = {},
    flushed_at = 0,
  }, Console)
end

function Console:paint(s, code)
  if self.color and code then return "\27[" .. code .. "m" .. s .. "\27[0m" end
  return s
end

function Console:write(...) self.out:write(...) end

--- pytest's separator line: `==== text ====` filling the width.
function Console:sep(ch, title, code)
  local line
  if title and title ~= "" then
    local n = math.max((self.width - #title - 2) // (2 * #ch), 1)
    local fill = ch:rep(n)
    line = fill .. " " .. title .. " " .. fill
    if #line + #ch <= self.width then line = line .. ch end
  else
    line = ch:rep(self.width // #ch)
  end
  self:write(self:paint(line, code), "\n")
end

function Console:percent()
  local pct = self.total > 0 and math.min(self.done * 100 // self.total, 100) or 100
  return string.format("[%3d%%]", pct)
end

-- Ends the progress line with the percentage at the right edge when it fits.
function Console:end_line()
  if self.column == 0 then return end
  local pct = self:percent()
  local pad = self.width - self.column - #pct
  if pad >= 1 then self:write(string.rep(" ", pad), pct) end
  self:write("\n")
  self.column, self.line_file = 0, nil
end

---@param meta table see the contract: rootdir, args, collected, deselected, ...
function Console:start(meta)
  self.meta = meta or {}
  self.total = math.max((self.meta.collected or 0) - (self.meta.deselected or 0), 0)
  if self.verbosity < 0 then return end
  self:sep("=", "test session starts", "1")
  local parts = { "omnilua " .. tostring(self.meta.omnilua_version or "?"), _VERSION }
  if self.meta.run_level then parts[#parts + 1] = "run level: " .. self.meta.run_level end
  if self.meta.workers then parts[#parts + 1] = "workers: " .. tostring(self.meta.workers) end
  self:write(table.concat(parts, ", "), "\n")
  if self.meta.rootdir then self:write("rootdir: ", self.meta.rootdir, "\n") end
  local line = string.format("collected %d item%s", self.meta.collected or 0,
    (self.meta.collected or 0) == 1 and "" or "s")
  if (self.meta.deselected or 0) > 0 then
    line = line .. string.format(" / %d deselected / %d selected", self.meta.deselected, self.total)
  end
  self:write(self:paint(line, "1"), "\n\n")
end

---@param rec table a result record with outcome "error", when "collect"
function Console:collect_error(rec)
  self.errors[#self.errors + 1] = rec
  self.results[#self.results + 1] = rec
end

local function cause_note(rec)
  return rec.cause and CAUSE[rec.cause] and " (" .. CAUSE[rec.cause] .. ")" or ""
end

---@param rec table one finished test (see the contract)
function Console:result(rec)
  self.results[#self.results + 1] = rec
  if rec.outcome == "failed" then
    self.failures[#self.failures + 1] = rec
  elseif rec.outcome == "error" then
    self.errors[#self.errors + 1] = rec
  end
  if self.verbosity > 0 then
    self.done = self.done + 1
    local word = (WORD[rec.outcome] or rec.outcome:upper()) .. cause_note(rec)
    if rec.outcome == "skipped" and rec.reason and self.verbosity > 0 then
      word = word .. " (" .. rec.reason .. ")"
    end
    local left = rec.nodeid .. " " .. word
    local pct = self:percent()
    local pad = self.width - #left - #pct
    self:write(rec.nodeid, " ", self:paint(word, COLOR[rec.outcome]))
    if pad >= 1 then self:write(string.rep(" ", pad), pct) end
    self:write("\n")
  else
    local letter = LETTER[rec.outcome]
    if not letter then -- "notrun": counted, not drawn
      self.done = self.done + 1
      return
    end
    if self.verbosity == 0 and rec.file ~= self.line_file then
      self:end_line()
      self:write(rec.file or "?", " ")
      self.column, self.line_file = #(rec.file or "?") + 1, rec.file
    elseif self.column + 1 + 7 > self.width then
      self:end_line()
      self.line_file = rec.file
    end
    self.done = self.done + 1
    self:write(self:paint(letter, COLOR[rec.outcome]))
    self.column = self.column + 1
  end
  -- progress shows up at most 50 ms late; a flush per result costs a
  -- write() per test (finish() flushes the rest)
  local now = now_ns()
  if now - self.flushed_at >= FLUSH_NS then
    self.flushed_at = now
    self.out:flush()
  end
end

-- The title pytest puts on an error: "ERROR at setup of name".
local function error_title(rec)
  if rec.when == "collect" then return "ERROR collecting " .. (rec.file or rec.nodeid) end
  return string.format("ERROR at %s of %s", rec.when or "setup", rec.nodeid)
end

function Console:captured(rec)
  for _, stream in ipairs({ "stdout", "stderr" }) do
    local s = rec[stream]
    if s and s ~= "" then
      self:sep("-", "Captured " .. stream .. " " .. (rec.when or "call"))
      self:write(s, s:sub(-1) == "\n" and "" or "\n")
    end
  end
end

function Console:report_section(title, list, head)
  if #list == 0 then return end
  self:sep("=", title)
  for _, rec in ipairs(list) do
    self:sep("_", head(rec), "1;31")
    local body = rec.longrepr or rec.message or ""
    if rec.cause and CAUSE[rec.cause] then
      body = "[" .. CAUSE[rec.cause] .. "] " .. body
    end
    self:write(body, body:sub(-1) == "\n" and "" or "\n")
    if rec.category then
      self:write("category: ", rec.category, (rec.category_link and " (see " .. rec.category_link .. ")" or ""), "\n")
    end
    self:captured(rec)
  end
end

-- First line of the crash message, with the cause in front, cut to the width.
function Console:summary_line(word, rec)
  local msg = rec.message or (rec.longrepr or ""):match("[^\n]*") or ""
  msg = msg:match("[^\n]*")
  -- the catalog category (docs/ci/failures.md) when annotated, else the cause
  if rec.category then
    msg = "[" .. rec.category .. "] " .. msg
  elseif rec.cause and CAUSE[rec.cause] then
    msg = "[" .. CAUSE[rec.cause] .. "] " .. msg
  end
  local line = word .. " " .. (rec.when == "collect" and (rec.file or rec.nodeid) or rec.nodeid)
  if msg ~= "" then
    line = line .. " - " .. msg
  end
  if not self.ci and self.verbosity < 2 and #line > self.width then
    line = line:sub(1, math.max(self.width - 3, #word + 1)) .. "..."
  end
  self:write(self:paint(word, COLOR[word == "FAILED" and "failed" or "error"]), line:sub(#word + 1),
    "\n")
end

function Console:durations(n)
  local list = {}
  for _, rec in ipairs(self.results) do
    if rec.when ~= "collect" and rec.duration then list[#list + 1] = rec end
  end
  table.sort(list, function(a, b)
    if a.duration ~= b.duration then return a.duration > b.duration end
    return a.nodeid < b.nodeid
  end)
  self:sep("=", n > 0 and string.format("slowest %d durations", n) or "slowest durations")
  local shown, hidden = 0, 0
  for i, rec in ipairs(list) do
    if n > 0 and i > n then break end
    if self.verbosity < 2 and rec.duration < 0.005 then
      hidden = hidden + 1
    else
      self:write(string.format("%.2fs %-8s %s\n", rec.duration, "total", rec.nodeid))
      shown = shown + 1
    end
  end
  if hidden > 0 then
    self:write(string.format("\n(%d durations < 0.005s hidden.  Use -vv to show these durations.)\n",
      hidden))
  end
end

function Console:collect_only(summary)
  for _, id in ipairs(summary.items or {}) do self:write(id, "\n") end
  self:report_section("ERRORS", self.errors, error_title)
  local n = #(summary.items or {})
  local deselected = summary.counts and summary.counts.deselected or 0
  local line
  if deselected > 0 then
    line = string.format("%d/%d tests collected (%d deselected)", n, n + deselected, deselected)
  else
    line = string.format("%d test%s collected", n, n == 1 and "" or "s")
  end
  local errs = #self.errors
  if errs > 0 then line = line .. string.format(", %d error%s", errs, errs == 1 and "" or "s") end
  self:closing(line .. " in " .. text.duration(summary.duration), errs > 0 and "31" or "32")
end

function Console:closing(line, code)
  if self.verbosity <= -2 then return end
  if self.verbosity < 0 then
    self:write(self:paint(line, code), "\n")
  else
    self:sep("=", line, code)
  end
end

---@param summary table see the contract: counts, duration, exitcode, interrupted, budget, ...
function Console:finish(summary)
  summary = summary or {}
  self:end_line()
  if summary.collect_only then
    self:collect_only(summary)
    self.out:flush()
    return
  end
  if self.column == 0 and #self.results > 0 and self.verbosity >= 0 then self:write("\n") end
  self:report_section("ERRORS", self.errors, error_title)
  self:report_section("FAILURES", self.failures, function(rec) return rec.nodeid end)
  if summary.durations then self:durations(summary.durations) end
  if #self.failures + #self.errors > 0 and self.verbosity > -2 then
    self:sep("=", "short test summary info", "36")
    for _, rec in ipairs(self.failures) do self:summary_line("FAILED", rec) end
    for _, rec in ipairs(self.errors) do self:summary_line("ERROR", rec) end
  end
  local budget = summary.budget
  if budget and budget.exhausted then
    local n = budget.notrun or (summary.counts or {}).notrun or 0
    self:write(self:paint(string.format(
      "NOT RUN: %d test%s not run because the run budget of %s ran out", n, n == 1 and "" or "s",
      text.duration(budget.limit or 0)), "33"), "\n")
  end
  if summary.interrupted then
    self:sep("!", "Interrupted: " .. summary.interrupted, "31")
  end
  local counts = summary.counts or {}
  local line = text.counts_line(counts) or "no tests ran"
  local code = "32"
  if (counts.failed or 0) + (counts.error or 0) > 0 or summary.interrupted then
    code = "31"
  elseif line == "no tests ran" or (counts.passed or 0) == 0 or (counts.notrun or 0) > 0 then
    code = "33"
  end
  self:closing(line .. " in " .. text.duration(summary.duration), code)
  self.out:flush()
end

return M
