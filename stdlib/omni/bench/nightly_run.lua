--- omni.bench.nightly_run: `omnilua bench nightly.json`: for each test,
--- start its server, run every sweep point, write each point's result JSON,
--- compare with the baselines, print the verdict table, stream JSON/JUnit
--- records (one per point) and write the HTML and Markdown reports.
--- Exit codes as the runner's: 0 all passed, 1 a regression or a failure
--- (partial results kept), 4 a bad nightly.json or flag.
local argparse = require "omni.argparse"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"
local nightly = require "omni.bench.nightly"
local baseline = require "omni.bench.baseline"
local result = require "omni.bench.result"
local console = require "omni.bench.console"
local report = require "omni.bench.report"
local server_mod = require "omni.bench.server"
local run = require "omni.bench.run"

local M = {}

--- "600", "600s", "30m", "2h" -> seconds.
---@param s string?
---@return number?
function M.parse_budget(s)
  if s == nil then return nil end
  local n, u = tostring(s):match("^(%d+%.?%d*)([smh]?)$")
  if not n then argparse.usage_error("bench: --budget must look like 600s, 30m or 2h, got '%s'", tostring(s)) end
  return tonumber(n) * ({ [""] = 1, s = 1, m = 60, h = 3600 })[u]
end

--- The omni.bench.run point of a nightly sweep point.
---@param pt table
---@param base_url string
---@param model string
---@return table
function M.point_settings(pt, base_url, model)
  local q = pt.params
  local backend = q.backend or "openai-chat"
  local rate = q.request_rate
  if rate == nil or rate == "inf" then rate = math.huge end
  local burst = q.burstiness
  if burst == "inf" then burst = math.huge end
  local goodput
  if q.goodput then
    local items = type(q.goodput) == "table" and q.goodput or { q.goodput }
    goodput = assert(require("omni.cli.bench").parse_goodput(items))
  end
  local modalities
  if q.modalities then
    modalities = {}
    for m in q.modalities:gmatch("[^,%s]+") do modalities[#modalities + 1] = m end
  end
  return {
    backend = backend, label = backend, base_url = base_url,
    endpoint = q.endpoint or (backend == "openai" and "/v1/completions" or "/v1/chat/completions"),
    model = model, num_prompts = q.num_prompts, seed = q.seed or 0,
    input_len = q.random_input_len or q.input_len or 1024, output_len = q.random_output_len or q.output_len or 128,
    range_ratio = q.random_range_ratio or 0, prefix_len = q.random_prefix_len or 0,
    request_rate = rate, burstiness = burst or 1.0, max_concurrency = q.max_concurrency,
    ignore_eos = q.ignore_eos, stream = not q.no_stream, timeout = q.timeout, modalities = modalities,
    num_warmups = q.num_warmups, extra_body = q.extra_body, metrics = pt.metrics, percentiles = pt.percentiles, goodput = goodput,
  }
end

local function open_reporters(o, file)
  local reps = {}
  local meta = { rootdir = fs.cwd and fs.cwd() or ".", args = { "bench", file }, started_at = os.time(),
    collected = 0, deselected = 0, tool = "omnilua bench" }
  if o.json then reps[#reps + 1] = require("omni.report.json").new({ path = o.json }) end
  if o.junitxml then reps[#reps + 1] = require("omni.report.junit").new({ path = o.junitxml }) end
  for _, r in ipairs(reps) do r:start(meta) end
  return reps
end

function M.main(file, o)
  local t_start = clock.now_ns()
  local tests, err, code = nightly.load(file)
  if not tests then
    io.stderr:write("ERROR: ", err, "\n")
    return code == "ENOENT" and 4 or 4
  end
  local budget = M.parse_budget(o.budget)
  local deadline = budget and (t_start + budget * 1e9) or nil
  local dir = o.report_dir or o.result_dir or "bench-results"
  fs.mkdir(dir)
  local reps = open_reporters(o, file)
  local runs, counts = {}, {}
  local out = io.stdout
  local function emit(rec)
    counts[rec.outcome] = (counts[rec.outcome] or 0) + 1
    for _, r in ipairs(reps) do r:result(rec) end
  end
  for _, test in ipairs(tests) do
    local srv, serr
    local function point_record(pt, outcome, msg, extra)
      local name = string.format("%s[%s=%s]", test.name, pt.mode, pt.key)
      local rec = { nodeid = file .. "::" .. name, outcome = outcome, when = "call", file = file, line = 1,
        name = name, classname = file:gsub("%.json$", ""):gsub("/", "."), marks = {}, params = { point = pt.key },
        message = msg, duration = 0 }
      for k, v in pairs(extra or {}) do rec[k] = v end
      return rec
    end
    for pi, pt in ipairs(test.points) do
      local label = string.format("%s [%s %s]", test.name, pt.mode == "conc" and "concurrency" or "rate", pt.key)
      local entry = { test = test.name, point = pt, rows = {}, status = "notrun" }
      runs[#runs + 1] = entry
      if deadline and clock.now_ns() >= deadline then
        entry.message = "not run: the budget ran out"
        emit(point_record(pt, "notrun", entry.message, { cause = "budget" }))
        goto continue
      end
      if not srv and not serr then
        if o.server then
          local m = test.server.model
          srv = { base_url = o.server:gsub("/+$", ""), model = m, stop = function() end }
        else
          out:write("starting server for ", test.name, " (", test.server.model, ")\n")
          srv, serr = server_mod.start(test.server, { dir = dir })
        end
      end
      if not srv then
        entry.status, entry.message = "error", "server did not start: " .. tostring(serr)
        out:write("ERROR: ", label, ": ", entry.message, "\n")
        emit(point_record(pt, "error", entry.message))
        goto continue
      end
      do
        local p = M.point_settings(pt, srv.base_url, srv.model)
        p.deadline_ns = deadline
        p.progress = not o.no_progress and nil or false
        out:write("\n== ", label, ": ", p.num_prompts, " prompts ==\n")
        local t0 = clock.now_ns()
        local res, recs = run.point(p)
        local dur = (clock.now_ns() - t0) / 1e9
        if not res then
          entry.status, entry.message = "error", tostring(recs)
          emit(point_record(pt, "error", entry.message, { duration = dur }))
          goto continue
        end
        local fname = string.format("%s/result_%s_%s_%s%s_%s.json", dir, test.name, pt.params.dataset_name or "random",
          pt.mode, pt.key, res.date)
        result.write(res, fname)
        entry.result, entry.file = res, fname
        for _, l in ipairs(console.lines(p, res)) do out:write(l, "\n") end
        local rows, ok = baseline.compare(pt.baseline, res)
        -- the reference's first assertion: every prompt completed
        local crow = { metric = "completed", baseline = p.num_prompts, measured = res.completed, op = "==",
          verdict = res.completed == p.num_prompts and "PASS" or "REGRESSION" }
        table.insert(rows, 1, crow)
        ok = ok and crow.verdict == "PASS"
        entry.rows = rows
        local tbl = baseline.table_lines(rows)
        out:write(table.concat(tbl, "\n"), "\n", "result: ", fname, "\n")
        local msg
        if not ok then
          local bad = {}
          for _, r in ipairs(rows) do
            if r.verdict ~= "PASS" then bad[#bad + 1] = string.format("%s = %s (baseline %s %s)", r.metric, baseline.fmt(r.measured), r.op, baseline.fmt(r.baseline)) end
          end
          msg = "regression: " .. table.concat(bad, "; ")
          local first_err
          for _, r in ipairs(recs) do if not r.success then first_err = r.error break end end
          if first_err then msg = msg .. string.format("; %d of %d requests failed, first error: %s", res.failed, p.num_prompts, first_err) end
        end
        local alive = not srv.process or srv.process:alive()
        if not alive then
          msg = (msg and msg .. "; " or "") .. "the server exited during this point (log " .. srv.log .. ")"
          ok = false
          serr = "the server exited during an earlier point"
          srv = nil
        end
        entry.status, entry.message = ok and "passed" or "failed", msg
        emit(point_record(pt, ok and "passed" or "failed", msg, { duration = dur, longrepr = table.concat(tbl, "\n") .. (msg and ("\n" .. msg) or ""),
          stdout = "result: " .. fname }))
      end
      ::continue::
      if pi == #test.points and srv then srv.stop() srv = nil end
    end
    if srv then srv.stop() end
  end
  local html = dir .. "/report.html"
  local f = io.open(html, "w")
  if f then f:write(report.html(runs, { title = "omnilua perf report", file = file })) f:close() end
  local md = dir .. "/report.md"
  f = io.open(md, "w")
  if f then f:write(report.markdown(runs)) f:close() end
  local total = (clock.now_ns() - t_start) / 1e9
  local bad = (counts.failed or 0) + (counts.error or 0) + (counts.notrun or 0)
  local exit = #runs == 0 and 5 or (bad > 0 and 1 or 0)
  for _, r in ipairs(reps) do r:finish({ counts = counts, duration = total, exitcode = exit }) end
  local parts = {}
  for _, k in ipairs({ "passed", "failed", "error", "notrun" }) do
    if (counts[k] or 0) > 0 then parts[#parts + 1] = counts[k] .. " " .. k end
  end
  out:write(string.format("\nperf: %s in %.1f s; report %s, %s\n", table.concat(parts, ", "), total, html, md))
  return exit
end

return M
