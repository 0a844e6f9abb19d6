--- Runs a level: its includes first (each level once), then its steps, with
--- every level's budget enforced (each step gets what is left of the
--- tightest enclosing budget; when it is spent the remaining steps are
--- reported as not run because of the budget). Results of all steps go to
--- one combined report (console, JUnit, JSON); the exit code is the worst
--- step's. The results of steps that ran are kept when a later step fails.
---
--- Step kinds:
--- * tests: `<omnilua> test PATHS --json F --junitxml F [-m] [-k] [--run-level] --budget Ns`
--- * command: a foreign suite; its JUnit XML (`junit = "file.xml"`) is ingested
--- * perf / stability: `<omnilua> bench FILE` / `<omnilua> soak FILE` with --json/--junitxml
local level = require "omni.level"
local durations = require "omni.durations"
local failures = require "omni.failures"
local junit_read = require "omni.junit_read"
local results_read = require "omni.results_read"

local M = {}

-- Exit codes ranked from best to worst: 5 (nothing collected) beats a
-- failure, an internal error is the worst. M.run never ranks a step's 5:
-- an empty step is a note, and 5 is the level's code only when no step
-- collected anything.
local RANK = { [0] = 0, [5] = 1, [1] = 2, [2] = 3, [4] = 4, [3] = 5 }

--- The worse of two exit codes.
---@param a integer
---@param b integer
---@return integer
function M.worst(a, b)
  if (RANK[b] or 5) > (RANK[a] or 5) then return b end
  return a
end

local function shq(s)
  s = tostring(s)
  if s:match("^[%w_./:=,+@%%-]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end
M.shell_quote = shq

local function exists(path)
  local ok, fs = pcall(require, "omni.core.fs")
  if ok then return fs.stat(path) end
  local f = io.open(path, "rb")
  if f then f:close() return { type = "file" } end
end

local function list_dir(path)
  local ok, fs = pcall(require, "omni.core.fs")
  if ok then return fs.list(path) or {} end
  local out, p = {}, io.popen("ls -1A " .. shq(path) .. " 2>/dev/null")
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

local function under(file, path)
  path = path:gsub("/+$", "")
  return file == path or file:sub(1, #path + 1) == path .. "/"
end

--- Whether `path` is left out by the step's `exclude`: a folder or file
--- (prefix), or a file-name pattern such as "test_*_expansion.lua".
---@param step table
---@param path string
---@return boolean
function M.excluded(step, path)
  for _, x in ipairs(step.exclude or {}) do
    if x:find("*", 1, true) and not x:find("/", 1, true) then
      if (path:match("([^/]+)$") or path):match(durations.glob_to_pattern(x)) then return true end
    elseif under(path, x) then
      return true
    end
  end
  return false
end

--- Expands a tests step to the paths `omnilua test` gets: file patterns
--- become the matching files (sorted), excluded folders are left out.
--- Missing folders and empty expansions come back as notes.
---@param step table
---@return string[] paths, string[] notes
function M.expand(step)
  local paths, notes = {}, {}
  local pats
  if step.files then
    pats = {}
    for _, g in ipairs(step.files) do pats[#pats + 1] = durations.glob_to_pattern(g) end
  end
  local function excluded(p) return M.excluded(step, p) end
  local function walk(dir, out)
    local names = list_dir(dir)
    table.sort(names)
    for _, name in ipairs(names) do
      local p = dir .. "/" .. name
      local st = exists(p)
      if st and not excluded(p) and name:sub(1, 1) ~= "." then
        if st.type == "directory" then
          walk(p, out)
        else
          for _, pat in ipairs(pats) do
            if name:match(pat) then out[#out + 1] = p break end
          end
        end
      end
    end
  end
  for _, t in ipairs(step.tests) do
    local p = t:gsub("/+$", "")
    local st = exists(p)
    if not st then
      notes[#notes + 1] = "no tests in " .. p .. " (folder not found)"
    elseif st.type == "directory" and pats then
      local before = #paths
      walk(p, paths)
      if #paths == before then
        notes[#notes + 1] = "no tests in " .. p .. " (no file matches " .. table.concat(step.files, ", ") .. ")"
      end
    elseif st.type == "directory" and step.exclude and #step.exclude > 0 then
      -- keep folders whole (their conftest.lua files) and leave out the excluded ones
      local any = false
      local names = list_dir(p)
      table.sort(names)
      for _, name in ipairs(names) do
        local c = p .. "/" .. name
        if name:sub(1, 1) ~= "." and not excluded(c) then
          local cst = exists(c)
          if cst and (cst.type == "directory" or name:match("^test_.*%.lua$")) then
            paths[#paths + 1] = c
            any = true
          end
        end
      end
      if not any then notes[#notes + 1] = "no tests in " .. p .. " (everything excluded)" end
    elseif not excluded(p) then
      paths[#paths + 1] = p
    end
  end
  return paths, notes
end

--- The argv of a tests step.
---@param step table
---@param paths string[]
---@param ctx table { exe, json, junit, budget (seconds), shard, reruns, verbosity }
---@return string[]
function M.test_argv(step, paths, ctx)
  local argv = { ctx.exe, "test" }
  for _, p in ipairs(paths) do argv[#argv + 1] = p end
  local function add(...) for _, v in ipairs({ ... }) do argv[#argv + 1] = v end end
  add("--json", ctx.json, "--junitxml", ctx.junit)
  if step.markers then add("-m", step.markers) end
  if step.keywords then add("-k", step.keywords) end
  if step.run_level then add("--run-level", step.run_level) end
  if step.timeout then add("--timeout", tostring(math.ceil(step.timeout))) end
  if step.workers then add("-n", tostring(step.workers)) end
  local reruns = step.reruns or ctx.reruns
  if reruns and reruns > 0 then add("--reruns", tostring(reruns)) end
  if ctx.shard then add("--shard", ctx.shard) end
  if ctx.budget then add("--budget", string.format("%ds", math.max(1, math.floor(ctx.budget)))) end
  if (ctx.verbosity or 0) > 0 then add("-v") elseif (ctx.verbosity or 0) < 0 then add("-q") end
  for _, a in ipairs(step.args or {}) do argv[#argv + 1] = a end
  return argv
end

--- Whether a command exists (a path, or a name on $PATH).
---@param name string
---@return boolean
function M.command_exists(name)
  if name:find("/", 1, true) then return exists(name) ~= nil end
  return os.execute("command -v " .. shq(name) .. " >/dev/null 2>&1") == true
end

--- Default process runner: the command's output goes to ours (live); the
--- time limit is enforced with coreutils `timeout` (TERM, then KILL).
--- Returns { code, timed_out }.
---@param argv string[]|string argv, or a shell command string
---@param o { env: table?, cwd: string?, timeout: number? }
---@return table
function M.default_exec(argv, o)
  local parts = {}
  if o.cwd then parts[#parts + 1] = "cd " .. shq(o.cwd) .. " &&" end
  local envs = {}
  for k, v in pairs(o.env or {}) do envs[#envs + 1] = k .. "=" .. shq(v) end
  table.sort(envs)
  if #envs > 0 then parts[#parts + 1] = "env " .. table.concat(envs, " ") end
  if o.timeout then
    parts[#parts + 1] = string.format("timeout -k 10 %d", math.max(1, math.ceil(o.timeout)))
  end
  if type(argv) == "string" then
    parts[#parts + 1] = "sh -c " .. shq(argv)
  else
    for _, a in ipairs(argv) do parts[#parts + 1] = shq(a) end
  end
  local ok, how, code = os.execute(table.concat(parts, " "))
  if how == "signal" then return { code = 128 + code, signal = code } end
  code = code or (ok and 0 or 1)
  return { code = code, timed_out = o.timeout ~= nil and (code == 124 or code == 137) }
end

local function now_s(opts)
  if opts.clock then return opts.clock() end
  local ok, clock = pcall(require, "omni.core.clock")
  if ok then return clock.now_ns() / 1e9 end
  return os.time()
end

--- Whether a usable GPU is present, and if not, why. OMNILUA_GPU=0/1
--- decides when set (CI and tests); else omni.gpu.available() (the CUDA
--- runtime, loaded at run time).
---@return boolean ok
---@return string? reason "no usable GPU: <reason>" when not ok
function M.gpu_available()
  local v = os.getenv("OMNILUA_GPU")
  if v == "1" then return true end
  if v == "0" then return false, "no usable GPU: OMNILUA_GPU=0" end
  local ok, gpu = pcall(require, "omni.gpu")
  if not ok then return false, "no usable GPU: omni.gpu cannot be loaded (" .. tostring(gpu):match("[^\n]*") .. ")" end
  local okc, avail, why = pcall(gpu.available)
  if not okc then return false, "no usable GPU: " .. tostring(avail) end
  if avail then return true end
  why = tostring(why or "no usable GPU")
  if not why:find("^no usable GPU") then why = "no usable GPU: " .. why end
  return false, why
end

local function status_of(code)
  return ({ [0] = "passed", [1] = "failed", [2] = "interrupted", [3] = "error", [4] = "error", [5] = "empty" })[code] or "error"
end

local function step_record(lv, step, fields)
  local rec = {
    nodeid = lv.name .. "::" .. level.describe_step(step), name = level.describe_step(step),
    classname = "levels." .. lv.name, file = lv.path, line = step.line,
    outcome = "error", when = "call", duration = 0, marks = {}, params = {},
  }
  for k, v in pairs(fields) do rec[k] = v end
  return rec
end

local function open_reporters(opts)
  local reps = {}
  local function try(modname, o)
    local ok, mod = pcall(require, modname)
    if ok and type(mod) == "table" and mod.new then
      reps[#reps + 1] = mod.new(o)
      return true
    end
  end
  if opts.junitxml and not try("omni.report.junit", { path = opts.junitxml }) then
    io.stderr:write("warning: omni.report.junit is not available; no JUnit XML written\n")
  end
  if opts.json and not try("omni.report.json", { path = opts.json }) then
    -- fallback until the JSON reporter lands: the whole file after each result
    local cjson = require "cjson"
    local rep = { records = {} }
    function rep:write(extra)
      local f = io.open(opts.json, "w")
      if not f then return end
      local doc = { meta = self.meta, tests = self.records }
      for k, v in pairs(extra or {}) do doc[k] = v end
      f:write(cjson.encode(doc)); f:close()
    end
    function rep:start(meta) self.meta = meta; self:write() end
    function rep:result(r) self.records[#self.records + 1] = r; self:write() end
    rep.collect_error = rep.result
    function rep:finish(summary) self:write({ summary = summary }) end
    reps[#reps + 1] = rep
  end
  return reps
end

local function emit(reps, method, arg)
  for _, r in ipairs(reps) do
    if r[method] then
      local ok, err = pcall(r[method], r, arg)
      if not ok then io.stderr:write("warning: reporter ", method, " failed: ", tostring(err), "\n") end
    end
  end
end

--- Runs the level `root` (loaded by level.load).
---@param root table
---@param opts table { exe, budget (seconds, overrides root's), out_dir, junitxml, json,
---  verbosity, shard, reruns, require_gpu, server, stage_config,
---  exec (fun(argv, o) -> {code, timed_out}), clock, gpu (bool), out (file) }
---@return integer exitcode, table report { steps, records, counts, budget_exhausted }
function M.run(root, opts)
  opts = opts or {}
  local out = opts.out or io.stdout
  local exec = opts.exec or M.default_exec
  local exe = opts.exe or (function()
    local ok, host = pcall(require, "omni.core.host")
    return ok and host.exe or "omnilua"
  end)()
  local out_dir = opts.out_dir or (".omnilua/run/" .. root.name)
  os.execute("mkdir -p " .. shq(out_dir))
  local gpu, gpu_why = opts.gpu, opts.gpu_reason
  if gpu == nil then gpu, gpu_why = M.gpu_available() end
  gpu_why = gpu_why or "no usable GPU"
  local started = now_s(opts)
  local wall_started = os.time()

  local report = { steps = {}, records = {}, counts = {}, exitcode = nil }
  local reps = open_reporters(opts)
  emit(reps, "start", {
    rootdir = ".", args = opts.args or {}, started_at = wall_started, hostname = os.getenv("HOSTNAME"),
    run_level = root.name, level = root.name, omnilua_version = opts.version, workers = nil,
  })

  local function add_records(recs, lv, step)
    failures.annotate(recs)
    for _, r in ipairs(recs) do
      r.level = r.level or lv.name
      r.step = r.step or level.describe_step(step)
      report.records[#report.records + 1] = r
      report.counts[r.outcome] = (report.counts[r.outcome] or 0) + 1
      if r.cause == "budget" then report.budget_exhausted = true end
      emit(reps, r.when == "collect" and "collect_error" or "result", r)
    end
  end

  local worst, any_ran = 0, false
  local deadlines = {}
  local function remaining()
    local d
    for _, x in ipairs(deadlines) do if not d or x < d then d = x end end
    return d and (d - now_s(opts)) or nil
  end

  local function run_step(lv, step, idx)
    local name = level.describe_step(step)
    local sr = { level = lv.name, index = idx, kind = step.kind, name = name, duration = 0 }
    report.steps[#report.steps + 1] = sr
    local rem = remaining()
    if step.budget then rem = rem and math.min(rem, step.budget) or step.budget end
    out:write(string.format("== %s step %d/%d: %s%s\n", lv.name, idx, #lv.steps, name,
      rem and (" (budget left " .. level.format_duration(math.max(rem, 0)) .. ")") or ""))
    if rem and rem <= 0 then
      sr.status, sr.code = "notrun", 1
      sr.note = "level budget exhausted"
      add_records({ step_record(lv, step, { outcome = "notrun", cause = "budget",
        message = "not run: the level budget was exhausted before this step" }) }, lv, step)
      return 1
    end
    local needs_gpu = step.hardware == "gpu" or (lv.hardware == "gpu" and step.kind ~= "tests" and step.hardware ~= "cpu")
    if needs_gpu and not gpu and step.target ~= "dummy" then
      sr.status, sr.code, sr.note = "skipped", 0, gpu_why
      add_records({ step_record(lv, step, { outcome = "skipped",
        reason = gpu_why .. " (level " .. lv.name .. " needs one)", message = gpu_why }) }, lv, step)
      out:write("   skipped: ", gpu_why, "\n")
      return 0
    end
    out:flush() -- our header before the step's own output
    local base = string.format("%s/%02d-%s-%d-%s", out_dir, #report.steps, lv.name, idx, step.kind)
    local jf, xf = base .. ".json", base .. ".xml"
    os.remove(jf); os.remove(xf)
    local env = { OMNILUA_LEVEL = lv.name }
    if opts.server then env.OMNILUA_SERVER = opts.server end
    if opts.stage_config then env.OMNILUA_STAGE_CONFIG = opts.stage_config end
    if step.target then env.OMNILUA_TARGET = step.target end
    for k, v in pairs(step.env or {}) do env[k] = tostring(v) end
    local t0 = now_s(opts)
    local code, recs, timed_out = 0, {}, false

    if step.kind == "tests" then
      local paths, notes = M.expand(step)
      for _, n in ipairs(notes) do out:write("   note: ", n, "\n") end
      sr.note = #notes > 0 and table.concat(notes, "; ") or nil
      if #paths == 0 then
        sr.status, sr.code = "empty", 5
        return 5
      end
      local argv = M.test_argv(step, paths, { exe = exe, json = jf, junit = xf, budget = rem,
        shard = opts.shard, reruns = opts.reruns, verbosity = opts.verbosity })
      -- the runner enforces the budget itself; this backstop only catches a hung runner
      local r = exec(argv, { env = env, timeout = rem and (rem + 60) or nil })
      code, timed_out = r.code, r.timed_out
      local res = results_read.read(jf)
      if res then recs = res.records end
      if timed_out then
        recs[#recs + 1] = step_record(lv, step, { cause = "budget",
          message = "omnilua test did not stop at the level budget and was killed" })
        code = 1
      elseif not res and code ~= 5 and code ~= 0 then
        recs[#recs + 1] = step_record(lv, step, { cause = "exit",
          message = string.format("omnilua test exited with code %d and wrote no results (%s)", code, jf) })
      end
      if code == 5 then
        sr.note = "no tests selected in " .. table.concat(step.tests, ", ") .. (opts.shard and (" (shard " .. opts.shard .. ")") or "")
        out:write("   note: ", sr.note, "\n")
      end
    elseif step.kind == "command" then
      local prog = type(step.command) == "string" and step.command:match("^%s*(%S+)") or step.command[1]
      if step.junit then os.remove(step.junit) end
      if not M.command_exists(prog) then
        code = 4
        recs[#recs + 1] = step_record(lv, step, { cause = "exit",
          message = "command not found: " .. prog .. " (step " .. idx .. " of level " .. lv.name .. ")" })
      else
        local r = exec(step.command, { env = env, cwd = step.cwd, timeout = rem })
        code, timed_out = r.code, r.timed_out
        if timed_out then
          recs[#recs + 1] = step_record(lv, step, { cause = "budget",
            message = "stopped: level budget exhausted after " .. level.format_duration(now_s(opts) - t0) })
          code = 1
        end
        if step.junit then
          local jpath = step.junit
          if step.cwd and jpath:sub(1, 1) ~= "/" then jpath = step.cwd .. "/" .. jpath end
          local jr, err = junit_read.read(jpath)
          if jr then
            local bad = false
            for _, x in ipairs(jr) do
              recs[#recs + 1] = x
              if x.outcome == "failed" or x.outcome == "error" then bad = true end
            end
            if bad then
              code = 1
            elseif code ~= 0 and not timed_out then
              recs[#recs + 1] = step_record(lv, step, { cause = "exit",
                message = string.format("command exited with code %d", code) })
              code = 1
            elseif #jr == 0 then
              code = 5
            end
          else
            -- an absent or malformed JUnit file is the step's error
            recs[#recs + 1] = step_record(lv, step, { message = err })
            code = 1
          end
        else
          recs[#recs + 1] = step_record(lv, step, { outcome = code == 0 and "passed" or "failed",
            cause = code ~= 0 and "exit" or nil,
            message = code ~= 0 and string.format("command exited with code %d", code) or nil })
          code = code == 0 and 0 or 1
        end
        if code > 5 then code = 1 end
      end
    else -- perf / stability
      local cmd = step.kind == "perf" and "bench" or "soak"
      local found = package.searchpath("omni.cli." .. cmd, package.path)
      if not found then
        code = 4
        recs[#recs + 1] = step_record(lv, step, { cause = "exit",
          message = string.format("`omnilua %s` is not available in this build; the %s step %s cannot run",
            cmd, step.kind, step[step.kind]) })
      elseif not exists(step[step.kind]) then
        code = 4
        recs[#recs + 1] = step_record(lv, step, { message = step.kind .. " file not found: " .. step[step.kind] })
      else
        local argv = { exe, cmd, step[step.kind], "--json", jf, "--junitxml", xf }
        if rem then argv[#argv + 1] = "--budget"; argv[#argv + 1] = string.format("%ds", math.max(1, math.floor(rem))) end
        for _, a in ipairs(step.args or {}) do argv[#argv + 1] = a end
        local r = exec(argv, { env = env, timeout = rem and (rem + 60) or nil })
        code, timed_out = r.code, r.timed_out
        local res = results_read.read(jf)
        if res then recs = res.records end
        if timed_out then
          recs[#recs + 1] = step_record(lv, step, { cause = "budget", message = "stopped: level budget exhausted" })
          code = 1
        elseif #recs == 0 then
          recs[1] = step_record(lv, step, { outcome = code == 0 and "passed" or "failed",
            cause = code ~= 0 and "exit" or nil,
            message = code ~= 0 and string.format("omnilua %s exited with code %d", cmd, code) or nil })
        end
        if code > 5 then code = 1 end
      end
    end
    sr.duration = now_s(opts) - t0
    sr.code = code
    sr.status = status_of(code)
    if #recs > 0 then add_records(recs, lv, step) end
    -- no durations recorded here: `omnilua test` records its own tests
    return code
  end

  local done = {}
  local function run_level(lv, is_root)
    if done[lv] then return end
    done[lv] = true
    local budget = lv.budget
    if is_root and opts.budget then budget = opts.budget end
    if budget then deadlines[#deadlines + 1] = now_s(opts) + budget end
    for _, inc in ipairs(lv.included or {}) do run_level(inc, false) end
    for i, step in ipairs(lv.steps) do
      step.line = step.line or (lv.field_lines and lv.field_lines["steps." .. i])
      local code = run_step(lv, step, i)
      -- pytest's rule for a whole run: a step that collects or selects
      -- nothing (a missing folder, a shard whose share of a step is empty)
      -- is a note; only a level where nothing at all was collected exits 5
      if code ~= 5 then
        any_ran = true
        worst = M.worst(worst, code)
      end
    end
    if budget then deadlines[#deadlines] = nil end
  end

  run_level(root, true)
  if not any_ran then worst = 5 end
  if report.budget_exhausted then worst = M.worst(worst, 1) end
  report.exitcode = worst
  report.duration = now_s(opts) - started
  local notrun_budget = 0
  for _, r in ipairs(report.records) do if r.outcome == "notrun" and r.cause == "budget" then notrun_budget = notrun_budget + 1 end end
  report.summary = {
    counts = report.counts, duration = report.duration, exitcode = worst,
    budget = report.budget_exhausted and { limit = opts.budget or root.budget, exhausted = true, notrun = notrun_budget } or nil,
    steps = report.steps, title = "omnilua run " .. root.name,
  }
  emit(reps, "finish", report.summary)
  return worst, report
end

--- Predicts each test step's time from recorded durations.
---@param root table
---@param db table
---@return table { seconds, known, unknown, steps = { {level, step, seconds, tests} } }
function M.predict(root, db)
  local total = { seconds = 0, known = 0, unknown = 0, steps = {} }
  for _, lv in ipairs(level.order(root)) do
    for i, step in ipairs(lv.steps) do
      if step.kind == "tests" then
        local ids = durations.select_step(db, step)
        local p = durations.predict(db, ids)
        total.seconds = total.seconds + p.seconds
        total.known = total.known + p.known
        total.steps[#total.steps + 1] = { level = lv.name, index = i, seconds = p.seconds, tests = #ids }
      end
    end
  end
  return total
end

return M
