--- `omnilua soak weekly.json`: the L5 stability step. Runs each test of the
--- file (load, sampling, windows, trends), writes the time series (JSON
--- lines, appended as it goes), an HTML report, and one result per threshold
--- to --json / --junitxml (the level pipeline reads them). See
--- docs/reference/weekly-json.md and docs/guide/stability.md.
local argparse = require "omni.argparse"
local clock = require "omni.core.clock"
local config = require "omni.soak.config"
local html = require "omni.soak.html"
local judge = require "omni.soak.judge"
local level = require "omni.level"
local run = require "omni.soak.run"
local series = require "omni.soak.series"

local SPEC = {
  { "--duration", metavar = "D", help = "run each test for D (e.g. 20s, 1h) instead of its configured duration" },
  { "--resume", kind = "flag", help = "continue each test from its series file (a killed soak)" },
  { "--out", metavar = "DIR", default = ".omnilua/soak", help = "folder of the series files and report.html" },
  { "--json", metavar = "FILE", help = "results (one test per threshold) as JSON" },
  { "--junitxml", metavar = "FILE", help = "results as JUnit XML" },
  { "--budget", metavar = "D", help = "stop every test when D has passed in total" },
  { "--server", metavar = "URL", help = "soak an already running server (default $OMNILUA_SERVER when set)" },
  { "--server-pid", kind = "integer", metavar = "PID", help = "with --server: the process group to sample" },
  { "--test", kind = "list", metavar = "NAME", help = "run only these tests (repeatable)" },
  { "--max-requests", kind = "integer", metavar = "N", help = "stop each test after N requests" },
  { "--no-progress", kind = "flag", help = "no progress line even on a terminal" },
  { "--engine", metavar = "E", default = "auto", help = "load engine: auto (C engine for the slices it fits), load, batch (omni.http)" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

local function mkdir(path) os.execute("mkdir -p '" .. path:gsub("'", "'\\''") .. "'") end

local function reporters(o)
  local reps = {}
  if o.json then reps[#reps + 1] = require("omni.report.json").new({ path = o.json }) end
  if o.junitxml then reps[#reps + 1] = require("omni.report.junit").new({ path = o.junitxml }) end
  return reps
end

local function emit(reps, method, arg)
  for _, r in ipairs(reps) do if r[method] then r[method](r, arg) end end
end

local function progress_printer()
  local worker_ok, worker = pcall(require, "omni.core.worker")
  if not (worker_ok and worker.isatty and worker.isatty(2)) then return nil end
  return function(s)
    local frac = s.duration > 0 and math.min(s.t / s.duration, 1) or 1
    local eta = frac > 0 and (s.duration - s.t) or nil
    local last = s.windows[#s.windows]
    local rss = s.sample and s.sample.rss_bytes and string.format(" | RSS %.0f MB", s.sample.rss_bytes / 1048576) or ""
    io.stderr:write(string.format("\r\27[K[%s] %s/%s %4.1f%% | %.1f req/s | p99 %s ms%s | errors %d | ETA %s",
      s.test, level.format_duration(s.t), level.format_duration(s.duration), frac * 100, s.rps or 0,
      last and last.p99_ms and judge.fmt(last.p99_ms) or "-", rss, s.errors, eta and level.format_duration(eta) or "-"))
    io.stderr:flush()
  end
end

local function main(args)
  local o = argparse.parse("soak", SPEC, args)
  if o.help then
    io.stdout:write("usage: omnilua soak WEEKLY.json [options]\n\n", argparse.help(SPEC), "\n")
    return 0
  end
  local file = o.positional[1]
  if not file then argparse.usage_error("soak: expected the weekly.json file (e.g. tests/e2e/stability/weekly.json)") end
  if o.positional[2] then argparse.usage_error("soak: one file at a time, got '%s' too", o.positional[2]) end
  local duration, budget
  if o.duration then
    local err
    duration, err = config.duration(o.duration)
    if not duration then argparse.usage_error("soak: --duration: %s", err) end
  end
  if o.budget then
    local err
    budget, err = level.parse_budget(o.budget)
    if not budget then argparse.usage_error("soak: --budget: %s", err) end
  end
  local server_url = o.server or os.getenv("OMNILUA_SERVER")
  if server_url == "" then server_url = nil end
  if o.server_pid and not server_url then argparse.usage_error("soak: --server-pid needs --server URL") end
  if not require("omni.soak.driver").ENGINES[o.engine] then
    argparse.usage_error("soak: --engine must be auto, load or batch, got '%s'", o.engine)
  end
  if o.max_requests and o.max_requests < 1 then argparse.usage_error("soak: --max-requests must be >= 1") end

  local reps = reporters(o)
  local started = os.time()
  local t_start = clock.now_ns()
  emit(reps, "start", { rootdir = ".", args = args, started_at = started, run_level = "L5", level = "L5" })
  local counts = {}
  local function record(rec)
    counts[rec.outcome] = (counts[rec.outcome] or 0) + 1
    emit(reps, "result", rec)
  end
  local function finish(code)
    emit(reps, "finish", { counts = counts, duration = (clock.now_ns() - t_start) / 1e9, exitcode = code,
      title = "omnilua soak " .. file })
    return code
  end

  local tests, err, ecode = config.load(file)
  if not tests then
    io.stderr:write("ERROR: ", err, "\n")
    record({ nodeid = file .. "::config", name = "config", classname = "stability", file = file, outcome = "error",
      when = "collect", duration = 0, marks = {}, params = {}, message = err })
    finish(4)
    return ecode == "ENOENT" and 4 or 4
  end
  if #o.test > 0 then
    local want, names, kept = {}, {}, {}
    for _, n in ipairs(o.test) do want[n] = true end
    for _, t in ipairs(tests) do names[#names + 1] = t.name; if want[t.name] then kept[#kept + 1] = t; want[t.name] = nil end end
    local missing = next(want)
    if missing then argparse.usage_error("soak: --test %s: no such test in %s (tests: %s)", missing, file, table.concat(names, ", ")) end
    tests = kept
  end
  mkdir(o.out)
  local host = require "omni.core.host"
  local interrupted
  do -- turn SIGINT/SIGTERM into a clean stop: servers stopped, data closed
    local ok, worker = pcall(require, "omni.core.worker")
    if ok and worker.init_parent and worker.init_parent() then interrupted = worker.interrupted end
  end
  local progress = (not o.no_progress) and progress_printer() or nil
  local deadline = budget and (t_start + math.floor(budget * 1e9)) or nil
  local report_tests, worst = {}, 0
  for _, t in ipairs(tests) do
    local t0 = clock.now_ns()
    local ok, res = pcall(run.run, t, { exe = host.exe, out_dir = o.out, duration = duration, resume = o.resume,
      deadline_ns = deadline, server_url = server_url, server_pid = o.server_pid, max_requests = o.max_requests,
      engine = o.engine, interrupted = interrupted, progress = progress })
    if progress then io.stderr:write("\n") end
    local dur = (clock.now_ns() - t0) / 1e9
    local base = { classname = "stability." .. t.name, file = file, when = "call", duration = dur, marks = {}, params = {} }
    local function rec(name, fields)
      local r = { nodeid = file .. "::" .. t.name .. "::" .. name, name = t.name .. "::" .. name }
      for k, v in pairs(base) do r[k] = v end
      for k, v in pairs(fields) do r[k] = v end
      return r
    end
    if not ok then
      io.stderr:write("ERROR: ", t.name, ": ", tostring(res), "\n")
      record(rec("run", { outcome = "error", message = tostring(res) }))
      worst = 3
    elseif res.error then
      io.stdout:write(string.format("%s: ERROR %s\n", t.name, res.error))
      record(rec("server", { outcome = "error", message = res.error }))
      worst = math.max(worst, 1)
    else
      if res.note then io.stdout:write(t.name, ": ", res.note, "\n") end
      for _, v in ipairs(res.verdicts) do
        local r = rec(v.name, { outcome = v.outcome, message = v.outcome ~= "skipped" and v.message or nil,
          reason = v.outcome == "skipped" and v.message or nil, cause = v.name == "completed" and v.outcome == "failed" and res.reason or nil })
        record(r)
        io.stdout:write(string.format("%s::%s %s: %s\n", t.name, v.name, v.outcome:upper(), v.message or ""))
        if v.outcome == "failed" then worst = math.max(worst, 1) end
      end
      local s = series.read(res.series_path)
      report_tests[#report_tests + 1] = { name = t.name, verdicts = res.verdicts, series = s, note = res.note }
      if res.reason == "interrupted" then worst = math.max(worst, 2) end
    end
  end
  local rpath = o.out .. "/report.html"
  local okw, werr = html.write(rpath, report_tests, { file = file, started = os.date("%Y-%m-%d %H:%M:%S", started) })
  if okw then io.stdout:write("report: ", rpath, "\n") else io.stderr:write("warning: ", werr, "\n") end
  local code = worst == 3 and 3 or worst == 2 and 2 or worst
  return finish(code)
end

return { summary = "run the L5 stability soak of a weekly.json (trends, restarts, HTML report)", main = main }
