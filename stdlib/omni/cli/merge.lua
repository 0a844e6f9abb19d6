--- `omnilua merge OUT_PREFIX RESULTS...` (or `--json OUT --junitxml OUT
--- RESULTS...`): joins the results of CI shards (their JSON or JUnit XML)
--- into one report and merges their durations into the durations file.
---
--- Extension point: other result kinds (the perf helper's latency
--- histograms) register a merger:
--- ```lua
--- require("omni.cli.merge").register("histogram", {
---   match = function(path) return path:match("%.hist%.json$") end,
---   merge = function(paths, out_prefix) ... return exit_code end,
--- })
--- ```
local argparse = require "omni.argparse"
local results_read = require "omni.results_read"
local junit_read = require "omni.junit_read"
local durations = require "omni.durations"
local failures = require "omni.failures"

local M = { summary = "join the JSON/JUnit results (and durations) of CI shards into one report" }

M.mergers = {}

--- Registers a merger for another kind of results file.
---@param name string
---@param merger { match: fun(path: string): boolean, merge: fun(paths: string[], out_prefix: string?): integer }
function M.register(name, merger)
  assert(type(merger) == "table" and merger.match and merger.merge, "a merger needs match and merge")
  M.mergers[#M.mergers + 1] = { name = name, match = merger.match, merge = merger.merge }
end

--- Modules that register result kinds when loaded (`register` above); `main`
--- loads them so their kinds work from the command line. One that is not
--- installed is skipped; one that fails to load is an error.
M.PLUGINS = { "omni.bench_merge" }

local function load_plugins()
  for _, mod in ipairs(M.PLUGINS) do
    if not package.loaded[mod] then
      local ok, err = pcall(require, mod)
      if not ok and not tostring(err):find("module '" .. mod .. "' not found", 1, true) then
        error("merge: cannot load the merge plugin " .. mod .. ": " .. tostring(err), 0)
      end
    end
  end
end

local SPEC = {
  { "--json", metavar = "FILE", help = "merged JSON results" },
  { "--junitxml", metavar = "FILE", help = "merged JUnit XML" },
  { "--durations-file", metavar = "FILE", help = "durations to merge the shards' into (default .omnilua/durations.json)" },
  { "--no-durations", kind = "flag", help = "do not update the durations file" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

--- Reads and joins result files. Later duplicates of a node id (a shard
--- run twice) replace earlier ones.
---@param paths string[]
---@return table[]? records, string? err, table metas
function M.join(paths)
  local records, index, metas = {}, {}, {}
  for _, p in ipairs(paths) do
    local recs, meta
    if p:match("%.xml$") then
      local r, err = junit_read.read(p)
      if not r then return nil, err, metas end
      recs = r
    else
      local r, err = results_read.read(p)
      if not r then return nil, err, metas end
      recs, meta = r.records, r.meta
    end
    metas[#metas + 1] = meta or { source = p }
    for _, rec in ipairs(recs) do
      if index[rec.nodeid] then
        records[index[rec.nodeid]] = rec
      else
        records[#records + 1] = rec
        index[rec.nodeid] = #records
      end
    end
  end
  return records, nil, metas
end

--- Writes records through the reporters (JSON and JUnit) and returns the summary.
---@param records table[]
---@param opts { json: string?, junitxml: string?, args: string[]? }
---@return table summary
function M.write(records, opts)
  local counts, total = {}, 0
  for _, r in ipairs(records) do
    counts[r.outcome] = (counts[r.outcome] or 0) + 1
    total = total + (r.duration or 0)
  end
  local bad = (counts.failed or 0) + (counts.error or 0) > 0 or (counts.notrun or 0) > 0
  local summary = { counts = counts, duration = total, exitcode = #records == 0 and 5 or (bad and 1 or 0) }
  local reps = {}
  local function open(mod, path)
    local ok, m = pcall(require, mod)
    if ok and type(m) == "table" and m.new then reps[#reps + 1] = m.new({ path = path }) return true end
  end
  if opts.junitxml and not open("omni.report.junit", opts.junitxml) then
    io.stderr:write("warning: omni.report.junit is not available; no JUnit XML written\n")
  end
  if opts.json and not open("omni.report.json", opts.json) then
    local cjson = require "cjson"
    reps[#reps + 1] = { finish = function(_, s)
      local f = assert(io.open(opts.json, "w"))
      f:write(cjson.encode({ meta = { merged = true }, tests = records, summary = s }))
      f:close()
    end }
  end
  for _, rep in ipairs(reps) do
    if rep.start then rep:start({ rootdir = ".", args = opts.args or {}, started_at = os.time(), collected = #records, deselected = 0 }) end
    for _, r in ipairs(records) do
      if r.when == "collect" and rep.collect_error then rep:collect_error(r) elseif rep.result then rep:result(r) end
    end
    if rep.finish then rep:finish(summary) end
  end
  return summary
end

function M.main(args)
  load_plugins()
  local o = argparse.parse("merge", SPEC, args)
  if o.help then
    io.stdout:write("usage: omnilua merge OUT_PREFIX RESULTS...\n       omnilua merge --json OUT --junitxml OUT RESULTS...\n\n",
      "RESULTS are the shards' JSON results (or JUnit XML). OUT_PREFIX writes OUT_PREFIX.json and OUT_PREFIX.xml.\n\noptions:\n",
      argparse.help(SPEC), "\n")
    return 0
  end
  local inputs = o.positional
  local prefix
  if not o.json and not o.junitxml then
    prefix = table.remove(inputs, 1)
    if not prefix then argparse.usage_error("merge: expected OUT_PREFIX and result files (or --json/--junitxml)") end
    o.json, o.junitxml = prefix .. ".json", prefix .. ".xml"
  end
  if #inputs == 0 then argparse.usage_error("merge: no result files given") end
  local plain, extra = {}, {}
  for _, p in ipairs(inputs) do
    local taken = false
    for _, m in ipairs(M.mergers) do
      if m.match(p) then extra[m] = extra[m] or {}; table.insert(extra[m], p); taken = true break end
    end
    if not taken then plain[#plain + 1] = p end
  end
  local code = 0
  if #plain > 0 then
    local records, err = M.join(plain)
    if not records then
      io.stderr:write("ERROR: merge: ", err, "\n")
      return 4
    end
    failures.annotate(records)
    local summary = M.write(records, { json = o.json, junitxml = o.junitxml, args = args })
    summary.title = "omnilua merge (" .. #plain .. " shards)"
    require("omni.ci").emit(records, summary)
    if not o.no_durations then
      -- appended to the journal, never load-modify-save: a fold by another
      -- process in between would otherwise lose its update
      local ok, err = durations.append(o.durations_file, records)
      if not ok then io.stderr:write("omnilua merge: durations not updated: ", tostring(err), "\n") end
    end
    local parts = {}
    for _, k in ipairs({ "failed", "passed", "skipped", "xfailed", "xpassed", "error", "notrun" }) do
      if (summary.counts[k] or 0) > 0 then parts[#parts + 1] = summary.counts[k] .. " " .. k end
    end
    io.stdout:write(string.format("merged %d files: %s\n", #plain, #parts > 0 and table.concat(parts, ", ") or "no tests"))
    code = summary.exitcode
  end
  for m, paths in pairs(extra) do
    local c = m.merge(paths, prefix)
    code = math.max(code == 5 and 0 or code, c or 0)
  end
  return code
end

return M
