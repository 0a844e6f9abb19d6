-- `omnilua merge` from the command line joins the bench results of two
-- client hosts (the bench kind is loaded as a merge plugin): the merged
-- statistics are bit for bit those of one run with all the requests.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local proc = require "omni.proc"
local host = require "omni.core.host"
local run = require "omni.bench.run"
local result = require "omni.bench.result"

local P = { backend = "openai-chat", label = "openai-chat", model = "omni-dummy", num_prompts = 0, request_rate = math.huge,
  burstiness = 1.0, metrics = { "ttft", "tpot", "itl", "e2el" }, percentiles = { 50, 90, 99, 99.9 } }

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/bench"
local traces = dofile(HERE .. "/traces.lua")
local helpers = dofile(HERE .. "/../helpers.lua")
local slice = traces.slice

-- a deterministic trace of n requests with varied latencies (some failed)
local SHAPE = { itl_mod = 6, itl_base = 0.002, itl_span = 0.03, ttft_base = 0.02, ttft_span = 0.5, step_s = 0.02,
  jitter_s = 0.002, prompt_base = 12, prompt_mod = 4, fail_every = 9, error = "boom" }
local function trace(n, seed) return traces.trace(n, seed, SHAPE) end

local function params(n) -- P with num_prompts = n
  local o = {}
  for k, v in pairs(P) do o[k] = v end
  o.num_prompts = n
  return o
end

local function read_json(path) return cjson.decode(assert.not_nil(helpers.read(path), path)) end

omni.test("merge_two_hosts_via_cli_is_exact", { timeout = 60 }, function(tmp_path)
  local reqs, recs = trace(101, 11)
  result.write(run.summarize(params(101), reqs, recs, 4.0), tmp_path .. "/single.json")
  local paths = { tmp_path .. "/host1.json", tmp_path .. "/host2.json" }
  result.write(run.summarize(params(47), slice(reqs, 1, 47), slice(recs, 1, 47), 4.0), paths[1])
  result.write(run.summarize(params(54), slice(reqs, 48, 101), slice(recs, 48, 101), 3.5), paths[2])

  local r = assert.not_nil(proc.run({ host.exe, "merge", tmp_path .. "/all", paths[1], paths[2] },
    { cwd = tmp_path, timeout = 30 }))
  assert.equal(r.code, 0, r.stderr)
  assert.contains(r.stdout, "merged 2 bench results (101 requests): " .. tmp_path .. "/all.bench.json")

  local m, whole = read_json(tmp_path .. "/all.bench.json"), read_json(tmp_path .. "/single.json")
  assert.equal(m.completed, whole.completed)
  assert.equal(m.failed, whole.failed)
  assert.equal(m.duration, 4.0) -- the longest host
  local n = 0
  for _, name in ipairs({ "ttft", "tpot", "itl", "e2el", "ttft_intended", "e2el_intended" }) do
    for _, s in ipairs({ "mean", "median", "std", "p50", "p90", "p99", "p99.9" }) do
      local k = s .. "_" .. name .. "_ms"
      assert.not_nil(whole[k], k)
      assert.equal(m[k], whole[k], k) -- bit for bit, through the files
      n = n + 1
    end
  end
  assert.equal(n, 42)
  for _, k in ipairs({ "ttft_ms", "itl_ms", "e2el_ms" }) do
    assert.equal(m.histograms[k], whole.histograms[k], "histogram " .. k)
  end
end)

omni.test("merge_cli_bench_error_is_usage", { timeout = 30 }, function(tmp_path)
  local reqs, recs = trace(6, 2)
  local a = tmp_path .. "/a.json"
  result.write(run.summarize(P, reqs, recs, 1), a)
  helpers.write(tmp_path .. "/b.json", (helpers.read(a):gsub('"ttft_ms": "[^"]*"', '"ttft_ms": "garbage"')))
  local r = assert.not_nil(proc.run({ host.exe, "merge", tmp_path .. "/all", a, tmp_path .. "/b.json" },
    { cwd = tmp_path, timeout = 30 }))
  assert.equal(r.code, 4)
  assert.match(r.stderr, "ERROR: merge: histogram ttft_ms")
end)
