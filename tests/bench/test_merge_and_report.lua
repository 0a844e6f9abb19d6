-- Merging results of several client hosts gives the numbers of one client
-- with all the requests; the HTML report renders in headless Chromium.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local proc = require "omni.proc"
local run = require "omni.bench.run"
local oj = require "omni.bench.ordered_json"
local bench_merge = require "omni.bench_merge"
local report = require "omni.bench.report"

local P = { backend = "openai-chat", label = "openai-chat", model = "omni-dummy", num_prompts = 0, request_rate = math.huge,
  burstiness = 1.0, metrics = { "ttft", "tpot", "itl", "e2el" }, percentiles = { 50, 90, 99 } }

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/bench"
local traces = dofile(HERE .. "/traces.lua")
local slice = traces.slice

-- a deterministic trace of n requests with varied latencies
local SHAPE = { itl_mod = 5, itl_base = 0.001, itl_span = 0.02, ttft_base = 0.01, ttft_span = 0.3, step_s = 0.01,
  jitter_s = 0.001, prompt_base = 10, prompt_mod = 3, fail_every = 7, error = "x" }
local function trace(n, seed) return traces.trace(n, seed, SHAPE) end

omni.test("merge_is_exact", {}, function()
  local reqs, recs = trace(90, 7)
  local whole = run.summarize(P, reqs, recs, 3.0)
  local parts = {}
  for i, r in ipairs({ { 1, 30 }, { 31, 75 }, { 76, 90 } }) do
    local p = setmetatable({ client_cpu_s = i * 0.25, -- each host's own CPU and wake-up lateness
      wake = { p50_ms = 0.01 * i, p99_ms = ({ 0.1, 2.5, 0.3 })[i], max_ms = 3 } }, { __index = P })
    local res = run.summarize(p, slice(reqs, r[1], r[2]), slice(recs, r[1], r[2]), 3.0)
    parts[#parts + 1] = cjson.decode(oj.encode(res)) -- through JSON, as files from hosts
  end
  local m = assert.not_nil(bench_merge.merge_results(parts))
  assert.equal(m.completed, whole.completed)
  assert.equal(m.failed, whole.failed)
  assert.equal(m.total_output_tokens, whole.total_output_tokens)
  assert.equal(m.client_cpu_s, 1.5, "the hosts' CPU adds up")
  assert.equal(m.wake_lateness_p99_ms, 2.5, "the noisiest host's")
  assert.equal(m.wake_lateness_p50_ms, 0.03)
  assert.is_nil(whole.client_cpu_s, "not measured, not written")
  for _, name in ipairs({ "ttft", "tpot", "itl", "e2el", "ttft_intended", "e2el_intended" }) do
    for _, s in ipairs({ "mean", "median", "std", "p50", "p90", "p99" }) do
      local k = s .. "_" .. name .. "_ms"
      assert.equal(m[k], whole[k], k) -- bit for bit
    end
  end
  -- the histograms merge bucket by bucket: equal to the whole run's
  for _, k in ipairs({ "ttft_ms", "itl_ms", "e2el_ms" }) do
    assert.equal(m.histograms[k], whole.histograms[k], "histogram " .. k)
  end
end)

omni.test("merge_rejects_mismatched_histograms", {}, function()
  local reqs, recs = trace(4, 1)
  local a = cjson.decode(oj.encode((run.summarize(P, reqs, recs, 1))))
  local b = cjson.decode(oj.encode((run.summarize(P, reqs, recs, 1))))
  b.histograms.ttft_ms = "garbage!"
  local m, err = bench_merge.merge_results({ a, b })
  assert.is_nil(m)
  assert.match(err, "histogram ttft_ms")
end)

omni.test("merge_cli_kind", { timeout = 30 }, function()
  local dir = os.tmpname()
  os.remove(dir)
  require("omni.core.fs").mkdir(dir)
  local reqs, recs = trace(20, 3)
  local paths = {}
  for i, r in ipairs({ { 1, 10 }, { 11, 20 } }) do
    paths[i] = dir .. "/host" .. i .. ".json"
    require("omni.bench.result").write(run.summarize(P, slice(reqs, r[1], r[2]), slice(recs, r[1], r[2]), 1), paths[i])
  end
  assert.truthy(bench_merge.match(paths[1]))
  assert.falsy(bench_merge.match(dir .. "/nothing.json"))
  assert.equal(bench_merge.merge(paths, dir .. "/all"), 0)
  local m = cjson.decode(io.open(dir .. "/all.bench.json"):read("a"))
  assert.equal(m.completed + m.failed, 20)
  assert.equal(m.omnilua.merged_from, 2)
end)

local function find_chromium()
  for _, c in ipairs({ "chromium", "chromium-browser", "google-chrome" }) do
    local r = proc.run({ "sh", "-c", "command -v " .. c }, { timeout = 5 })
    if r and r.code == 0 then return (r.stdout:gsub("%s+$", "")) end
  end
end

local function sample_runs()
  local reqs, recs = trace(30, 5)
  local runs = {}
  for i, rate in ipairs({ 1, 2, 4 }) do
    local p = setmetatable({ request_rate = rate, metrics = { "ttft", "itl", "e2el", "audio_rtf" } }, { __index = P })
    local res = run.summarize(p, reqs, recs, 2 / i)
    runs[i] = { test = "t_demo", point = { mode = "qps", key = tostring(rate), params = {}, percentiles = { 50, 90, 99 } },
      result = res, status = i == 3 and "failed" or "passed",
      rows = { { metric = "mean_ttft_ms", baseline = 100, measured = res.mean_ttft_ms, op = "<=", verdict = i == 3 and "REGRESSION" or "PASS" } } }
  end
  return runs
end

omni.test("report_html_is_self_contained", {}, function()
  local html = report.html(sample_runs(), { title = "t <&> title" })
  assert.falsy(html:find("<script", 1, true), "no script")
  assert.falsy(html:find("src=", 1, true), "nothing loaded from elsewhere")
  assert.falsy(html:find("href=", 1, true))
  assert.falsy(html:find("url(", 1, true))
  assert.falsy(html:find("<link", 1, true))
  assert.match(html, "t &lt;&amp;&gt; title")
  local n = select(2, html:gsub("<svg ", ""))
  assert.equal(n, 5) -- TTFT, ITL, E2EL percentiles, throughput against rate, audio RTF
  local md = report.markdown(sample_runs())
  assert.match(md, "| t_demo | rate 4 | mean_ttft_ms | <= 100 | [%d%.]+ | REGRESSION |")
end)

omni.test("report_renders_in_chromium", { timeout = 90 }, function()
  local chromium = find_chromium()
  if not chromium then omni.skip("chromium is not installed (Debian package chromium)") end
  local path = os.tmpname() .. ".html"
  local f = assert(io.open(path, "w"))
  f:write(report.html(sample_runs(), { title = "render check" }))
  f:close()
  -- --dump-dom prints the DOM after load; console errors go to stderr with --enable-logging
  -- The runner caps each worker's address space (RLIMIT_AS); Chromium's V8
  -- reserves more than that up front and dies with SIGTRAP. Without the
  -- privilege to lift the cap, the check needs `--memory-limit none`.
  local argv = { chromium }
  for _, a in ipairs({ "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--enable-logging=stderr", "--v=0", "--dump-dom", "file://" .. path }) do argv[#argv + 1] = a end
  local r = proc.run(argv, { timeout = 80 })
  if r.signal and not r.stdout:find("<svg", 1, true) then
    omni.skip("chromium died with signal " .. tostring(r.signal) .. " under the worker's address-space limit; run with --memory-limit none")
  end
  assert.equal(r.code, 0, string.format("signal %s, timed out %s: %s", tostring(r.signal), tostring(r.timed_out), r.stderr))
  local dom = r.stdout
  assert.match(dom, "<h1>render check</h1>")
  local charts = select(2, dom:gsub('<svg class="chart"', ""))
  assert.equal(charts, 5, "charts in the rendered DOM")
  assert.match(dom, '<rect class="bar"')
  assert.match(dom, '<polyline class="line"')
  assert.falsy(r.stderr:find("CONSOLE", 1, true), "console messages: " .. r.stderr)
  assert.falsy(r.stderr:find("Uncaught", 1, true))
  os.remove(path)
end)
