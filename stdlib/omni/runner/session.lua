--- One `omnilua test` session: options -> collection -> selection ->
--- reporters -> run -> exit code (pytest's: 0 ok, 1 failed, 2 interrupted
--- or collection errors, 3 internal, 4 usage, 5 nothing collected).
local argparse = require "omni.argparse"
local cjson = require "cjson"
local fs = require "omni.core.fs"
local clock = require "omni.core.clock"
local host = require "omni.core.host"
local W = require "omni.core.worker"
local collect = require "omni.runner.collect"
local select_items = require "omni.runner.select"
local plan = require "omni.runner.plan"
local run = require "omni.runner.run"
local cache = require "omni.runner.cache"
local shard = require "omni.shard"
local rerun = require "omni.rerun"
local durations_db = require "omni.durations"
local failures = require "omni.failures"
local ci = require "omni.ci"

local M = {}

local function reporter(name, opts)
  return require("omni.report." .. name).new(opts)
end

local function hostname()
  local f = io.open("/proc/sys/kernel/hostname")
  local h = f and f:read("l") or "localhost"
  if f then f:close() end
  return h
end

local gpu_state
local function gpu_available()
  if gpu_state == nil then
    local ok, gpu = pcall(require, "omni.gpu")
    if not ok then
      gpu_state = { false, "omni.gpu is not available" }
    elseif type(gpu.available) == "function" then
      local a, why = gpu.available()
      gpu_state = { a and true or false, why or "no CUDA device" }
    elseif type(gpu.count) == "function" then
      local n, why = gpu.count()
      gpu_state = { (n or 0) > 0, why or "no CUDA device" }
    else
      gpu_state = { false, "omni.gpu cannot tell" }
    end
  end
  return gpu_state[1], gpu_state[2]
end

local function rmtree(path)
  local st = fs.stat(path)
  if not st then return end
  if st.type == "directory" then
    for _, n in ipairs(fs.list(path) or {}) do rmtree(path .. "/" .. n) end
  end
  fs.remove(path)
end

local function load_stdlib_fixtures()
  -- Fixtures the stdlib ships (like pytest plugins): stdlib/omni/fixtures/*.lua
  -- call omni.fixture(...) as a conftest.lua does; they land in the builtin
  -- scope, below every suite's conftest.lua (which may override them).
  local context = require "omni.runner.context"
  local fixture = require "omni.fixture"
  local dir = host.root .. "/stdlib/omni/fixtures"
  for _, n in ipairs(fs.list(dir) or {}) do
    local mod = n:match("^(.-)%.lua$")
    if mod then
      local saved = context.scope
      context.scope = fixture.builtin_scope
      local ok, err = pcall(require, "omni.fixtures." .. mod)
      context.scope = saved
      if not ok then error(err, 0) end
    end
  end
end

-- Views of the selected items for omni.shard (nodeid, params, index).
local function selected_items(items, selected)
  local out = {}
  for i, idx in ipairs(selected) do
    local it = items[idx]
    out[i] = { nodeid = it.nodeid, params = it.params, index = idx }
  end
  return out
end

---@param o table parsed options
---@param argv string[] the raw arguments (report metadata)
---@param util table parsers from omni.cli.test
---@return integer exit code
function M.run(o, argv, util)
  local t0 = clock.now_ns()
  local started_at = clock.wall_ns() / 1e9
  local out = io.stdout

  -- options -----------------------------------------------------------------
  local workers = 1
  if o.numprocesses == "auto" then
    workers = W.cpu_count()
  else
    workers = math.tointeger(tonumber(o.numprocesses))
    if not workers or workers < 1 then
      argparse.usage_error("omnilua test: -n expects a positive number or 'auto', got '%s'", o.numprocesses)
    end
  end
  local maxfail = o.maxfail
  if o.exitfirst then maxfail = 1 end
  local budget
  if o.budget then
    budget = util.parse_duration(o.budget)
    if not budget then
      argparse.usage_error("omnilua test: --budget expects a duration such as 90s, 15m or 1h30m, got '%s'", o.budget)
    end
  end
  local memory = W.total_memory()
  if o.memory_limit then
    memory = util.parse_size(o.memory_limit)
    if not memory then
      argparse.usage_error("omnilua test: --memory-limit expects a size such as 512M or 2G (or none), got '%s'",
        o.memory_limit)
    end
  end
  local config = {}
  for _, kv in ipairs(o.override_ini) do
    local k, v = kv:match("^([^=]+)=(.*)$")
    if not k then argparse.usage_error("omnilua test: -o expects KEY=VALUE, got '%s'", kv) end
    config[k] = v
  end
  local shard_k, shard_n
  if o.shard then
    local k, n = shard.parse(o.shard)
    if not k then argparse.usage_error("omnilua test: --shard: %s", n) end
    shard_k, shard_n = k, n
  end
  if o.reruns < 0 then
    argparse.usage_error("omnilua test: --reruns expects a number >= 0, got %d", o.reruns)
  end
  if o.strict_budget and not budget then
    argparse.usage_error("omnilua test: --strict-budget needs --budget")
  end
  local verbosity = math.max(-2, math.min(2, o.verbose - o.quiet))
  local exprs, err = select_items.compile(o.markexpr, o.keyword)
  if not exprs then
    io.stderr:write("ERROR: ", err, "\n")
    return 4
  end

  -- collection ------------------------------------------------------------------
  local root = fs.cwd()
  local paths = #o.positional > 0 and o.positional or { "." }
  local files, selectors, missing = collect.discover(root, paths)
  if #missing > 0 then
    io.stderr:write("ERROR: file or directory not found: ", missing[1], "\n")
    return 4
  end
  local db_path = root .. "/" .. durations_db.DEFAULT_PATH
  -- durations: each result goes into columns as it arrives (while workers
  -- run), one line is appended to the journal at the end (omni.durations);
  -- a shard leaves them alone: every shard of a CI run must balance with
  -- the same durations (omnilua merge records the shards' ones)
  local dur_columns = not o.collect_only and not shard_k and not o.no_durations
    and durations_db.columns() or nil
  -- The parent's heap is nearly all long-lived (collected items, result
  -- records), and a GC cycle traverses all of it: the collector runs only
  -- when the heap has doubled (plus 64 MiB) since the last full collection.
  -- Workers restart the normal collector (omni.runner.worker).
  collectgarbage("stop")
  local gc_floor = collectgarbage("count")
  local function gc_check()
    local kb = collectgarbage("count")
    if kb > 2 * gc_floor + 65536 then
      collectgarbage("collect")
      gc_floor = collectgarbage("count")
    end
  end
  load_stdlib_fixtures()
  local c = collect.new(root)
  local items, errors = {}, {}
  for _, f in ipairs(files) do
    local e = collect.load_file(c, f, items)
    if e then errors[#errors + 1] = e end
    gc_check()
  end
  local selected, deselected = select_items.apply(items, exprs, selectors,
    o.last_failed and cache.last_failed(root) or nil)
  local db
  if shard_k then
    db = durations_db.load(db_path)
    local mine = shard.select(selected_items(items, selected), shard_k, shard_n,
      { durations = db, expensive = shard.DEFAULT_EXPENSIVE })
    deselected = deselected + #selected - #mine
    selected = {}
    for i, it in ipairs(mine) do selected[i] = it.index end
  end

  -- budget forecast from recorded durations ------------------------------------
  if budget and not o.collect_only and #selected > 0 then
    db = db or durations_db.load(db_path)
    local ids = {}
    for i, idx in ipairs(selected) do ids[i] = items[idx].nodeid end
    local pred = durations_db.predict(db, ids)
    if pred.known > 0 then
      local verdict, msg = durations_db.forecast(pred.seconds, budget, o.strict_budget)
      local basis = string.format(" (%d of %d selected tests recorded in %s)", pred.known, #ids,
        durations_db.DEFAULT_PATH)
      if verdict == "refuse" then
        io.stderr:write("ERROR: ", msg, basis, "; refusing to start (--strict-budget)\n")
        return 4
      elseif verdict == "warn" then
        io.stderr:write("WARNING: ", msg, basis, "\n")
      end
    end
  end

  -- reporters --------------------------------------------------------------------
  local reps = {}
  local is_tty = W.isatty and W.isatty(1)
  reps[1] = reporter("console", { verbosity = verbosity, color = is_tty and os.getenv("NO_COLOR") == nil,
    out = out, width = tonumber(os.getenv("COLUMNS") or "") or 80,
    ci = os.getenv("CI") ~= nil or os.getenv("BUILD_NUMBER") ~= nil })
  for _, r in ipairs({ { "junit", o.junitxml }, { "json", o.json } }) do
    if r[2] then
      -- batched: a write at most every 50 ms (and at the end, also on
      -- SIGINT/SIGTERM); the parent holds every result a worker sent
      local rep, rerr = reporter(r[1], { path = r[2], flush_interval = 0.05 })
      if not rep then io.stderr:write("WARNING: ", rerr, "\n") else reps[#reps + 1] = rep end
    end
  end
  local function each(method, arg)
    for _, r in ipairs(reps) do r[method](r, arg) end
  end

  local ran_any = false
  local counts = { passed = 0, failed = 0, error = 0, skipped = 0, xfailed = 0, xpassed = 0,
    notrun = 0, deselected = deselected }
  local records, failed_ids, ran_ids = {}, {}, {}
  each("start", {
    rootdir = root, args = argv, started_at = started_at, hostname = hostname(),
    run_level = o.run_level, markexpr = o.markexpr, keywordexpr = o.keyword, workers = workers,
    collected = #items, deselected = deselected, omnilua_version = host.version,
  })
  for _, e in ipairs(errors) do
    counts.error = counts.error + 1
    failed_ids[e.nodeid] = true
    failures.annotate({ e })
    records[#records + 1] = e
    each("collect_error", e)
  end

  local function summary(extra)
    local s = { counts = counts, duration = (clock.now_ns() - t0) / 1e9, durations = o.durations,
      collect_only = o.collect_only or nil }
    for k, v in pairs(extra or {}) do s[k] = v end
    return s
  end
  local function done(code, extra)
    local flaky = rerun.count_flaky(records)
    if flaky > 0 then counts.flaky = flaky end
    local s = summary(extra)
    s.exitcode = code
    each("finish", s)
    if not o.collect_only then
      for _, r in ipairs(records) do ran_ids[r.nodeid] = true end
      cache.save(root, failed_ids, ran_ids)
      ci.emit(records, s)
    end
    if dur_columns and ran_any then
      local ok, derr = durations_db.append(db_path, dur_columns, { root = root })
      if not ok then io.stderr:write("WARNING: durations not recorded: ", tostring(derr), "\n") end
    end
    return code
  end

  if #errors > 0 and not o.continue_on_collection_errors then
    return done(2, { interrupted = string.format("%d error%s during collection", #errors,
      #errors == 1 and "" or "s") })
  end
  if o.collect_only then
    local ids = {}
    for i, idx in ipairs(selected) do ids[i] = items[idx].nodeid end
    return done(#ids == 0 and (#errors > 0 and 2 or 5) or (#errors > 0 and 1 or 0), { items = ids })
  end
  if #selected == 0 then return done(#errors > 0 and 1 or 5) end

  -- run -----------------------------------------------------------------------------
  local run_dir = string.format("%s/omnilua-%d-%d", os.getenv("TMPDIR") or "/tmp", W.getpid and W.getpid() or 0,
    math.random(1, 1e9))
  assert(fs.mkdir(run_dir))
  local pre_errors = {}
  local runnable = {}
  for _, idx in ipairs(selected) do
    if items[idx].setup_error then pre_errors[#pre_errors + 1] = idx else runnable[#runnable + 1] = idx end
  end
  local function emit(rec)
    local oc = rec.outcome
    counts[oc] = (counts[oc] or 0) + 1
    ran_any = true
    if oc ~= "passed" or rec.flaky then
      if oc == "failed" or oc == "error" then failed_ids[rec.nodeid] = true end
      failures.annotate({ rec }) -- category and category_link, before any reporter sees it
    end
    local n = #records + 1
    records[n] = rec
    if dur_columns then dur_columns:add(rec) end
    if n % 1024 == 0 then gc_check() end
    each("result", rec)
  end
  for _, idx in ipairs(pre_errors) do
    local item = items[idx]
    emit({ nodeid = item.nodeid, file = item.file, line = item.line, name = item.name,
      classname = item.classname, outcome = "error", when = "setup", duration = 0,
      marks = item.mark_names, params = item.params, message = item.setup_error:match("^[^\n]*"),
      longrepr = item.setup_error })
  end
  local units = plan.units(items, runnable)
  local r = run.execute({
    items = items, units = units, workers = math.min(workers, math.max(1, #units)),
    timeout = o.timeout, grace = o.timeout_grace, budget = budget, budget_text = o.budget,
    maxfail = maxfail, run_dir = run_dir, emit = emit,
    reruns = o.reruns > 0 and rerun.new(o.reruns) or nil,
    cfg = { capture = not o.no_capture, memory_limit = memory, memory_text = memory > 0 and util.size_text(memory) or "none",
      timeout = o.timeout, run_level = o.run_level, config = config, tmp_root = run_dir, maxfail = maxfail,
      reruns = o.reruns,
      gpu_available = gpu_available },
  })
  rmtree(run_dir)
  local extra = {}
  if r.budget_exhausted then
    extra.budget = { limit = budget, exhausted = true, notrun = r.notrun }
  end
  if r.interrupted then extra.interrupted = r.interrupted end
  if r.stopped == "maxfail" then extra.stopped = string.format("stopping after %d failures", maxfail) end
  local code = 0
  if r.interrupted then
    code = 2
  elseif counts.failed + counts.error > 0 or r.budget_exhausted then
    code = 1
  end
  return done(code, extra)
end

return M
