--- CI output: GitHub Actions annotations (`::error file=…,line=…::msg`)
--- when GITHUB_ACTIONS=true, a Markdown summary appended to
--- $GITHUB_STEP_SUMMARY when set, and the same Markdown in a file for
--- `buildkite-agent annotate` when BUILDKITE=true (or a path is given).
---
--- ```lua
--- ci.emit(records, summary, { out = io.stdout })   -- after a run
--- ```
local num = require("omni.results_read").num

local M = {}

M.BUILDKITE_FILE = ".omnilua/buildkite-annotation.md"

-- GitHub's workflow-command escaping: data escapes % CR LF; property
-- values also escape : and ,.
local function esc_data(s)
  return (tostring(s):gsub("%%", "%%25"):gsub("\r", "%%0D"):gsub("\n", "%%0A"))
end
local function esc_prop(s)
  return (esc_data(s):gsub(":", "%%3A"):gsub(",", "%%2C"))
end
M.escape_data, M.escape_property = esc_data, esc_prop

local function category_suffix(rec)
  if rec.category and rec.category ~= "uncategorized" and rec.category_link then
    return " [" .. rec.category .. ": " .. rec.category_link .. "]"
  end
  return ""
end

--- One annotation line for a record, or nil for one that needs none.
---@param rec table
---@return string?
function M.annotation(rec)
  local kind
  if rec.outcome == "failed" or rec.outcome == "error" then kind = "error"
  elseif rec.flaky then kind = "warning"
  elseif rec.outcome == "notrun" and rec.cause == "budget" then kind = "warning"
  else return nil end
  local props = {}
  if rec.file then props[#props + 1] = "file=" .. esc_prop(rec.file) end
  if rec.line then props[#props + 1] = "line=" .. esc_prop(num(rec.line)) end
  props[#props + 1] = "title=" .. esc_prop((rec.flaky and "flaky: " or (rec.outcome .. ": ")) .. (rec.nodeid or rec.name or "?"))
  local msg = (rec.message or rec.outcome or "") .. category_suffix(rec)
  return "::" .. kind .. " " .. table.concat(props, ",") .. "::" .. esc_data(msg)
end

--- All annotation lines for a run (GitHub shows at most 10 errors per step;
--- the first ones are the ones that matter).
---@param records table[]
---@return string[]
function M.annotations(records)
  local out = {}
  for _, r in ipairs(records) do
    local a = M.annotation(r)
    if a then out[#out + 1] = a end
  end
  return out
end

local function md_cell(s)
  s = tostring(s or ""):gsub("\n.*", ""):gsub("|", "\\|")
  if #s > 160 then s = s:sub(1, 157) .. "..." end
  return s
end

local ORDER = { "failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "error", "notrun" }

--- The Markdown summary of a run.
---@param records table[]
---@param summary table? { counts, duration, budget, title }
---@return string
function M.markdown(records, summary)
  summary = summary or {}
  local counts = summary.counts
  if not counts then
    counts = {}
    for _, r in ipairs(records) do counts[r.outcome] = (counts[r.outcome] or 0) + 1 end
  end
  local flaky = 0
  for _, r in ipairs(records) do if r.flaky then flaky = flaky + 1 end end
  local lines = { "## " .. (summary.title or "omnilua results"), "" }
  local parts = {}
  for _, k in ipairs(ORDER) do
    if (counts[k] or 0) > 0 then parts[#parts + 1] = num(counts[k]) .. " " .. k end
  end
  if flaky > 0 then parts[#parts + 1] = flaky .. " flaky" end
  lines[#lines + 1] = "**" .. (#parts > 0 and table.concat(parts, ", ") or "no tests ran") .. "**" ..
    (summary.duration and string.format(" in %.2fs", summary.duration) or "")
  if summary.budget and summary.budget.exhausted then
    lines[#lines + 1] = ""
    lines[#lines + 1] = string.format("⚠️ budget exhausted: %s tests not run", num(summary.budget.notrun or 0))
  end
  if summary.steps then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "| level | step | status | duration |"
    lines[#lines + 1] = "|---|---|---|---|"
    for _, s in ipairs(summary.steps) do
      lines[#lines + 1] = string.format("| %s | %s | %s | %.1fs |", md_cell(s.level), md_cell(s.name),
        md_cell(s.status .. (s.note and (": " .. s.note) or "")), s.duration or 0)
    end
  end
  local bad = {}
  for _, r in ipairs(records) do
    if r.outcome == "failed" or r.outcome == "error" or r.flaky then bad[#bad + 1] = r end
  end
  if #bad > 0 then
    lines[#lines + 1] = ""
    lines[#lines + 1] = "| test | outcome | category | message |"
    lines[#lines + 1] = "|---|---|---|---|"
    for i, r in ipairs(bad) do
      if i > 50 then
        lines[#lines + 1] = string.format("| … %d more | | | |", #bad - 50)
        break
      end
      local cat = r.category and r.category_link and ("[" .. r.category .. "](" .. r.category_link .. ")") or ""
      local where = r.file and r.line and (" (" .. r.file .. ":" .. num(r.line) .. ")") or ""
      lines[#lines + 1] = string.format("| `%s`%s | %s | %s | %s |", md_cell(r.nodeid), md_cell(where),
        r.flaky and "flaky" or r.outcome, cat, md_cell(r.message))
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

--- Writes CI output for the environment. `opts.env` is a function like
--- os.getenv (tests pass their own); `opts.out` receives annotations.
---@param records table[]
---@param summary table?
---@param opts? { env: fun(name: string): string?, out: file*, buildkite_file: string? }
---@return table written { annotations = n, summary = path?, buildkite = path? }
function M.emit(records, summary, opts)
  opts = opts or {}
  local env = opts.env or os.getenv
  local out = opts.out or io.stdout
  local written = { annotations = 0 }
  if env("GITHUB_ACTIONS") == "true" then
    for _, a in ipairs(M.annotations(records)) do
      out:write(a, "\n")
      written.annotations = written.annotations + 1
    end
  end
  local md
  local step_summary = env("GITHUB_STEP_SUMMARY")
  if step_summary and step_summary ~= "" then
    md = md or M.markdown(records, summary)
    local f = io.open(step_summary, "a")
    if f then f:write(md); f:close(); written.summary = step_summary end
  end
  local bk = opts.buildkite_file or (env("BUILDKITE") == "true" and M.BUILDKITE_FILE) or nil
  if bk then
    md = md or M.markdown(records, summary)
    local dir = bk:match("^(.*)/[^/]+$")
    if dir then os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'") end
    local f = io.open(bk, "w")
    if f then f:write(md); f:close(); written.buildkite = bk end
  end
  return written
end

return M
