--- `omnilua run LEVEL`: runs a level pipeline (scripts/levels/<LEVEL>.lua,
--- or a path to a level file) with its budget, a combined report and the
--- exit code of the worst step.
local argparse = require "omni.argparse"
local level = require "omni.level"
local pipeline = require "omni.pipeline"
local durations = require "omni.durations"
local failures = require "omni.failures"
local ci = require "omni.ci"
local shard = require "omni.shard"
local rerun = require "omni.rerun"
local text = require "omni.report.text"

local SPEC = {
  { "--budget", metavar = "D", help = "override the level's budget (15m, 1h30m, 90s)" },
  { "--server", metavar = "URL", help = "test against a running server (OMNILUA_SERVER for the tests)" },
  { "--stage-config", metavar = "FILE", help = "stage config for the server the tests start" },
  { "--junitxml", metavar = "FILE", help = "combined JUnit XML of all steps" },
  { "--json", metavar = "FILE", help = "combined JSON results of all steps" },
  { "--require-gpu", kind = "flag", help = "a missing GPU is an error, not a skip" },
  { "--strict-budget", kind = "flag", help = "refuse to start when the forecast exceeds the budget" },
  { "--shard", metavar = "K/N", help = "run shard K of N of every test step" },
  { "--reruns", kind = "integer", metavar = "N", help = "rerun failed tests up to N times (flaky = passed on rerun)" },
  { "--durations-file", metavar = "FILE", help = "recorded durations (default .omnilua/durations.json)" },
  { "--out-dir", metavar = "DIR", help = "per-step results (default .omnilua/run/LEVEL)" },
  { "--verbose", short = "-v", kind = "count", help = "more output" },
  { "--quiet", short = "-q", kind = "count", help = "less output" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

--- The level's closing line, worded as the runner's (pytest's order):
--- "1 failed, 4 passed, 2 skipped in 3.20s", flaky tests counted.
---@param report table pipeline.run's report
---@return string
local function closing_text(report)
  local counts = {}
  for k, v in pairs(report.counts or {}) do counts[k] = v end
  local flaky = rerun.count_flaky(report.records)
  if flaky > 0 then counts.flaky = flaky end
  return (text.counts_line(counts) or "no tests ran") .. " in " .. text.duration(report.duration or 0)
end

-- The end of a level run: the steps table, the failure categories, the
-- budget note and one closing line. Each step's own output (progress,
-- failures, its closing line) was already shown live.
local function console_report(report, verbosity, limit, out)
  out = out or io.stdout
  out:write("\n== steps\n")
  for _, s in ipairs(report.steps) do
    out:write(string.format("  %-4s %-8s %6.1fs  %s%s\n", s.level, s.status or "?", s.duration or 0, s.name,
      s.note and ("  (" .. s.note .. ")") or ""))
  end
  local groups = failures.group(report.records)
  if #groups > 0 then
    out:write("\n== failure categories (omnilua explain RESULTS.json for details)\n")
    for _, g in ipairs(groups) do
      out:write(string.format("  %-32s %3d  %s\n", g.entry.title, #g.records, failures.link(g.entry)))
      if verbosity > 0 then
        for _, r in ipairs(g.records) do out:write("      ", r.nodeid, "\n") end
      end
    end
  end
  if report.budget_exhausted then
    out:write(string.format("NOT RUN: level %s's budget (%s) ran out; what had not run is reported as not run\n",
      report.name, level.format_duration(limit)))
  end
  -- plain, not framed in "====": the steps' own closing lines are framed,
  -- the level's is the last line of the log
  out:write(closing_text(report), "\n")
  out:flush()
end

return {
  summary = "run a level pipeline (L1..L5): its includes, steps and budget",
  spec = SPEC,
  main = function(args)
    local o = argparse.parse("run", SPEC, args)
    if o.help then
      io.stdout:write("usage: omnilua run LEVEL [options]\n\nLEVEL is a name (", table.concat(level.known(), ", "),
        ") or the path of a level file.\n\noptions:\n", argparse.help(SPEC), "\n")
      return 0
    end
    local ref = o.positional[1]
    if not ref then argparse.usage_error("run: expected a level name (known: %s)", table.concat(level.known(), ", ")) end
    if o.positional[2] then argparse.usage_error("run: one level at a time, got '%s' too", o.positional[2]) end
    local budget
    if o.budget then
      local err
      budget, err = level.parse_budget(o.budget)
      if not budget then argparse.usage_error("run: --budget: %s", err) end
    end
    if o.shard then
      local k, err = shard.parse(o.shard)
      if not k then argparse.usage_error("run: --shard: %s", err) end
    end
    local ok, root = pcall(level.load, ref)
    if not ok then
      if level.is_error(root) then argparse.usage_error("%s", tostring(root)) end
      error(root, 0)
    end
    local verbosity = (o.verbose or 0) - (o.quiet or 0)

    local needs_gpu = false
    for _, lv in ipairs(level.order(root)) do if lv.hardware == "gpu" then needs_gpu = true end end
    local gpu_ok, gpu_why = pipeline.gpu_available()
    if needs_gpu and not gpu_ok then
      if o.require_gpu then
        io.stderr:write("ERROR: level ", root.name, " needs a GPU and none is usable (--require-gpu): ", gpu_why, "\n")
        return 4
      end
      io.stdout:write("note: ", gpu_why, ": GPU steps are skipped; tests marked gpu skip with a reason; the dummy server runs on CPU\n")
    end

    local db_path = o.durations_file or durations.DEFAULT_PATH
    local db = durations.load(db_path)
    local limit = budget or root.budget
    local pred = pipeline.predict(root, db)
    if pred.known > 0 then
      local verdict, msg = durations.forecast(pred.seconds, limit, o.strict_budget)
      if verdict == "refuse" then
        io.stderr:write("ERROR: ", msg, " (", pred.known, " recorded tests); refusing to start (--strict-budget)\n")
        return 4
      elseif verdict == "warn" then
        io.stderr:write("warning: ", msg, " (", pred.known, " recorded tests)\n")
      elseif verbosity > 0 then
        io.stdout:write("forecast: about ", level.format_duration(pred.seconds), " of ", level.format_duration(limit), "\n")
      end
    end

    local host = require "omni.core.host"
    local code, report = pipeline.run(root, {
      exe = host.exe, budget = budget, gpu = gpu_ok, gpu_reason = gpu_why, junitxml = o.junitxml, json = o.json, verbosity = verbosity,
      shard = o.shard, reruns = o.reruns, server = o.server, stage_config = o.stage_config,
      durations_path = db_path, out_dir = o.out_dir, args = args, version = host.version,
    })
    report.name = root.name
    -- CI output first, so the closing line is the last line of the log
    ci.emit(report.records, report.summary)
    console_report(report, verbosity, limit)
    return code
  end,
}
