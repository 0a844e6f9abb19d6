--- JUnit XML in pytest's xunit1 shape, streamed: after every write the file
--- on disk is a complete document. Testcases (batched: a write at most every
--- 50 ms, and at finish) are written over the closing tags, which are
--- written again after them; the <testsuite> start tag (with
--- its counts) is rewritten in place, padded with spaces inside the tag to a
--- fixed size so that the body never moves.
---
---   local j = assert(require("omni.report.junit").new({ path = "out.xml" }))
---   j:start(meta); j:result(rec) ...; j:finish(summary)
local text = require "omni.report.text"
local clock = require "omni.core.clock"
local now_ns = clock.now_ns

local M = {}

local DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
local CLOSE = "</testsuite></testsuites>\n"
-- Room left in the start tag for the counts and time to grow.
local HEADER_SPARE = 160

local Junit = {}
Junit.__index = Junit

---@class omni.report.JunitOptions
---@field path string the XML file to write
---@field flush_interval? number seconds between writes (0, the default: after every result)

---@param opts omni.report.JunitOptions
---@return table? reporter, string? err
function M.new(opts)
  if type(opts) ~= "table" or type(opts.path) ~= "string" then
    error("bad argument #1 to 'new' (table with a string 'path' expected)", 2)
  end
  return setmetatable({
    path = opts.path,
    counts = { tests = 0, errors = 0, failures = 0, skipped = 0 },
    pending = {},
    flushed_at = 0,
    flush_ns = math.floor((opts.flush_interval or 0) * 1e9),
  }, Junit)
end

local function attr(name, value) return string.format(' %s="%s"', name, text.xml(value, true)) end

local function iso_local(epoch)
  local whole = math.floor(epoch)
  return os.date("%Y-%m-%dT%H:%M:%S", whole) .. string.format(".%06d", math.floor((epoch - whole) * 1e6))
end

function Junit:elapsed()
  if self.final_time then return self.final_time end
  local now = clock.wall_ns() / 1e9
  return math.max(now - (self.meta.started_at or now), 0)
end

function Junit:header()
  local c = self.counts
  local tag = "<testsuites><testsuite" .. attr("name", "omnilua") .. attr("errors", c.errors) ..
      attr("failures", c.failures) .. attr("skipped", c.skipped) .. attr("tests", c.tests) ..
      attr("time", string.format("%.3f", self:elapsed())) ..
      attr("timestamp", iso_local(self.meta.started_at or os.time())) ..
      attr("hostname", self.meta.hostname or "localhost")
  if not self.header_size then self.header_size = #tag + HEADER_SPARE end
  -- Spaces before ">" are legal in a start tag; they keep the size fixed.
  return tag .. string.rep(" ", math.max(self.header_size - #tag, 0)) .. ">\n"
end

--- Opens (truncates) the file and writes an empty, valid suite.
---@param meta table
---@return boolean? ok, string? err
function Junit:start(meta)
  self.meta = meta or {}
  local f, err = io.open(self.path, "w+b")
  if not f then return nil, "cannot write JUnit XML: " .. tostring(err) end
  self.file = f
  local head = DECL .. self:header()
  f:write(head, CLOSE)
  f:flush()
  self.header_at = #DECL
  self.body_end = #head
  return true
end

local function testcase_xml(rec)
  local parts = { "<testcase", attr("classname", rec.classname or ""), attr("name", rec.name or
      rec.nodeid), attr("file", rec.file or ""), attr("line", math.max((rec.line or 1) - 1, 0)),
    attr("time", string.format("%.3f", rec.duration or 0)), ">" }
  local o = rec.outcome
  local msg = rec.message or ""
  local body = rec.longrepr or msg
  if o == "failed" then
    parts[#parts + 1] = "<failure" .. attr("message", msg) .. attr("type", rec.cause or "failure") ..
        ">" .. text.xml(body) .. "</failure>"
  elseif o == "error" then
    local m
    if rec.when == "collect" then
      m = "collection failure"
    else
      m = string.format('failed on %s with "%s"', rec.when or "setup", msg)
    end
    parts[#parts + 1] = "<error" .. attr("message", m) .. attr("type", rec.cause or "error") .. ">" ..
        text.xml(body) .. "</error>"
  elseif o == "skipped" then
    local reason = rec.reason or msg
    parts[#parts + 1] = "<skipped" .. attr("type", "omni.skip") .. attr("message", reason) .. ">" ..
        text.xml(string.format("%s:%s: %s", rec.file or "", rec.line or 0, reason)) .. "</skipped>"
  elseif o == "xfailed" then
    parts[#parts + 1] = "<skipped" .. attr("type", "omni.xfail") ..
        attr("message", rec.reason or msg) .. "/>"
  elseif o == "notrun" then
    local why = rec.cause == "budget" and "not run: the run budget ran out" or
        ("not run" .. (rec.cause and ": " .. rec.cause or ""))
    parts[#parts + 1] = "<skipped" .. attr("type", "omni.notrun") .. attr("message", why) .. "/>"
  end
  if rec.stdout and rec.stdout ~= "" then
    parts[#parts + 1] = "<system-out>" .. text.xml(rec.stdout) .. "</system-out>"
  end
  if rec.stderr and rec.stderr ~= "" then
    parts[#parts + 1] = "<system-err>" .. text.xml(rec.stderr) .. "</system-err>"
  end
  parts[#parts + 1] = "</testcase>\n"
  return table.concat(parts)
end

local COUNTER = { failed = "failures", error = "errors", skipped = "skipped", xfailed = "skipped",
  notrun = "skipped" }

-- Appends one testcase and rewrites the counts; the document is complete
-- after the first write and again after the second.
-- Testcases are written at once (flush_interval 0, the default) or in
-- batches at most every flush_interval seconds and at finish (a process
-- killed by SIGKILL loses at most that much from the file).

function Junit:write_pending()
  local pending = self.pending
  if #pending == 0 or not self.file then return end
  local xml = table.concat(pending)
  self.pending = {}
  local f = self.file
  f:seek("set", self.body_end)
  f:write(xml, CLOSE)
  f:flush()
  self.body_end = self.body_end + #xml
  f:seek("set", self.header_at)
  f:write(self:header())
  f:flush()
  self.flushed_at = now_ns()
end

function Junit:append(rec)
  if not self.file then return end
  local pending = self.pending
  pending[#pending + 1] = testcase_xml(rec)
  self.counts.tests = self.counts.tests + 1
  local key = COUNTER[rec.outcome]
  if key then self.counts[key] = self.counts[key] + 1 end
  if self.flush_ns == 0 or now_ns() - self.flushed_at >= self.flush_ns then self:write_pending() end
end

---@param rec table
function Junit:collect_error(rec) self:append(rec) end

---@param rec table
function Junit:result(rec) self:append(rec) end

---@param summary table
function Junit:finish(summary)
  if not self.file then return end
  self:write_pending()
  self.final_time = summary and summary.duration or self:elapsed()
  self.file:seek("set", self.header_at)
  self.file:write(self:header())
  self.file:close()
  self.file = nil
end

return M
