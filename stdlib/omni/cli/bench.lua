--- `omnilua bench`: the serving benchmark (the flags of `vllm bench serve`),
--- or `omnilua bench nightly.json` for the L4 performance matrix.
--- See docs/guide/perf.md and docs/reference/nightly-json.md.
local argparse = require "omni.argparse"

local M = { summary = "serving benchmark (vllm bench serve flags), or run a nightly.json perf matrix" }

M.SPEC = {
  { "--backend", default = "openai", choices = { "openai", "openai-chat", "openai-chat-omni" }, help = "request format (default openai)" },
  { "--base-url", help = "server URL (default http://HOST:PORT)" },
  { "--host", default = "127.0.0.1", help = "server host (default 127.0.0.1)" },
  { "--port", kind = "integer", default = 8000, help = "server port (default 8000)" },
  { "--endpoint", help = "API path (default /v1/completions; /v1/chat/completions for chat backends)" },
  { "--model", help = "model name (default: the first id of GET /v1/models)" },
  { "--tokenizer", help = "recorded as tokenizer_id (no tokenizer is loaded)" },
  { "--label", help = "result label (default: the backend)" },
  { "--dataset-name", default = "random", choices = { "random" }, help = "dataset (random)" },
  { "--num-prompts", kind = "integer", default = 1000, help = "requests to send (default 1000)" },
  { "--seed", kind = "integer", default = 0, help = "seed of the dataset and arrivals (default 0)" },
  { "--random-input-len", kind = "integer", default = 1024, help = "input length in tokens (default 1024)" },
  { "--random-output-len", kind = "integer", default = 128, help = "output length in tokens (default 128)" },
  { "--random-range-ratio", kind = "number", default = 0.0, help = "lengths uniform in L(1-r)..L(1+r) (default 0)" },
  { "--random-prefix-len", kind = "integer", default = 0, help = "shared prefix tokens (default 0)" },
  { "--input-len", kind = "integer", dest = "random_input_len", help = "alias of --random-input-len" },
  { "--output-len", kind = "integer", dest = "random_output_len", help = "alias of --random-output-len" },
  { "--request-rate", default = "inf", help = "requests per second, or inf: all at once (default inf)" },
  { "--burstiness", default = "1.0", help = "gamma shape of the gaps; 1 = Poisson, inf = fixed gaps (default 1.0)" },
  { "--max-concurrency", kind = "integer", help = "at most this many requests at once" },
  { "--num-warmups", kind = "integer", default = 0, help = "unmeasured requests first (default 0)" },
  { "--no-warm-connections", kind = "flag", help = "do not open the concurrency's worth of connections (unmeasured requests) first" },
  { "--no-wake-probe", kind = "flag", help = "do not measure the machine's wake-up lateness during the run (a thread waking every ms)" },
  { "--ignore-eos", kind = "flag", help = "send ignore_eos: true" },
  { "--percentile-metrics", help = "metrics to report (default ttft,tpot,itl; also e2el, audio_ttfp, audio_rtf, audio_duration)" },
  { "--metric-percentiles", default = "99", help = "percentiles to report (default 99)" },
  { "--goodput", kind = "list", metavar = "KEY:MS", help = "SLOs, e.g. ttft:500 tpot:50 (repeatable)" },
  { "--save-result", kind = "flag", help = "write the result JSON" },
  { "--append-result", kind = "flag", help = "append to the result file" },
  { "--result-dir", help = "folder of the result file (created)" },
  { "--result-filename", help = "result file name (default: the reference's)" },
  { "--metadata", kind = "list", metavar = "K=V", help = "extra key=value pairs saved in the result" },
  { "--header", kind = "list", metavar = "K=V", help = "extra request header" },
  { "--extra-body", help = "JSON object merged into each request body" },
  { "--modalities", help = "omni: output modalities to ask for, e.g. text or text,audio" },
  { "--no-stream", kind = "flag", help = "non-streaming requests (one answer each; TTFT = E2EL)" },
  { "--timeout", kind = "number", help = "per-request timeout in seconds (default 6 h)" },
  { "--progress", kind = "flag", help = "force the progress line (default: on a terminal)" },
  { "--no-progress", kind = "flag", help = "no progress line" },
  -- nightly.json mode
  { "--json", metavar = "FILE", help = "nightly: JSON results (one record per point)" },
  { "--junitxml", metavar = "FILE", help = "nightly: JUnit XML results" },
  { "--budget", help = "nightly: time budget, e.g. 600s or 30m" },
  { "--server", help = "nightly: use this running server instead of starting one" },
  { "--report-dir", help = "nightly: folder for result JSONs and the report (default bench-results)" },
  { "--help", short = "-h", kind = "flag", help = "show this help" },
}

local function inf_number(name, s)
  if s == "inf" or s == "Infinity" then return math.huge end
  local n = tonumber(s)
  if not n or not (n > 0) then argparse.usage_error("bench: %s must be a number > 0 or inf, got '%s'", name, tostring(s)) end
  return n
end

--- Parses --goodput "ttft:500" items (several per item, space separated, allowed).
---@return table? slos, string? err
function M.parse_goodput(items)
  if not items or #items == 0 then return nil end
  local g = {}
  for _, item in ipairs(items) do
    for kv in item:gmatch("[^%s,]+") do
      local k, v = kv:match("^(%w+):([%d%.eE+-]+)$")
      if not k or not tonumber(v) then return nil, "bad --goodput item '" .. kv .. "' (KEY:MS expected)" end
      if k ~= "ttft" and k ~= "tpot" and k ~= "e2el" then
        return nil, "invalid metric '" .. k .. "' in --goodput (ttft, tpot, e2el allowed)"
      end
      if tonumber(v) < 0 then return nil, "--goodput " .. k .. " must be >= 0" end
      g[k] = tonumber(v)
    end
  end
  return g
end

--- Flags -> a point table for omni.bench.run (usage errors raise).
---@param o table parsed flags
---@return table point
function M.point_of(o)
  local result = require "omni.bench.result"
  local chat = o.backend ~= "openai"
  local p = {
    backend = o.backend, label = o.label or o.backend,
    base_url = (o.base_url or string.format("http://%s:%d", o.host, o.port)):gsub("/+$", ""),
    endpoint = o.endpoint or (chat and "/v1/chat/completions" or "/v1/completions"),
    model = o.model, tokenizer = o.tokenizer, num_prompts = o.num_prompts, seed = o.seed,
    input_len = o.random_input_len, output_len = o.random_output_len, range_ratio = o.random_range_ratio,
    prefix_len = o.random_prefix_len, request_rate = inf_number("--request-rate", o.request_rate),
    burstiness = inf_number("--burstiness", o.burstiness), max_concurrency = o.max_concurrency,
    ignore_eos = o.ignore_eos, stream = not o.no_stream, timeout = o.timeout,
    num_warmups = o.num_warmups, warm_connections = not o.no_warm_connections, wake_probe = not o.no_wake_probe,
    progress = o.progress or (not o.no_progress and nil) or false,
  }
  if o.no_progress then p.progress = false end
  if p.num_prompts < 1 then argparse.usage_error("bench: --num-prompts must be >= 1") end
  if p.range_ratio < 0 or p.range_ratio >= 1 then argparse.usage_error("bench: --random-range-ratio must be in [0, 1)") end
  if p.max_concurrency and p.max_concurrency < 1 then argparse.usage_error("bench: --max-concurrency must be >= 1") end
  local err
  p.metrics, err = result.parse_metrics(o.percentile_metrics or result.DEFAULT_METRICS)
  if not p.metrics then argparse.usage_error("bench: --percentile-metrics: %s", err) end
  p.percentiles, err = result.parse_percentiles(o.metric_percentiles)
  if not p.percentiles then argparse.usage_error("bench: --metric-percentiles: %s", err) end
  p.goodput, err = M.parse_goodput(o.goodput)
  if err then argparse.usage_error("bench: %s", err) end
  if o.modalities then
    p.modalities = {}
    for m in o.modalities:gmatch("[^,%s]+") do p.modalities[#p.modalities + 1] = m end
  end
  if o.extra_body then
    local ok, v = pcall(require("cjson").decode, o.extra_body)
    if not ok or type(v) ~= "table" then argparse.usage_error("bench: --extra-body is not a JSON object") end
    p.extra_body = v
  end
  p.headers = {}
  for _, h in ipairs(o.header or {}) do
    local k, v = h:match("^([^=]+)=(.*)$")
    if not k then argparse.usage_error("bench: --header expects K=V, got '%s'", h) end
    p.headers[#p.headers + 1] = k .. ": " .. v
  end
  if #(o.metadata or {}) > 0 then
    p.metadata = {}
    for _, kv in ipairs(o.metadata) do
      local k, v = kv:match("^([^=]+)=(.*)$")
      if not k then argparse.usage_error("bench: --metadata expects K=V, got '%s'", kv) end
      p.metadata[k] = v
    end
  end
  return p
end

--- The first model id the server lists.
---@return string? model, string? err
function M.first_model(base_url)
  local http = require "omni.http"
  local resp, err = http.request { url = base_url .. "/v1/models", timeout = 30 }
  if not resp then return nil, err end
  local ok, v = pcall(require("cjson").decode, resp.body)
  if not ok or type(v) ~= "table" or type(v.data) ~= "table" or not v.data[1] then
    return nil, "GET " .. base_url .. "/v1/models: no model listed"
  end
  return v.data[1].id
end

--- Runs one point as the reference's CLI does, printing its lines.
---@param p table
---@param o table flags (save options)
---@return integer exit code
function M.run_single(p, o)
  local run = require "omni.bench.run"
  local console = require "omni.bench.console"
  local result = require "omni.bench.result"
  if not p.model then
    local m, err = M.first_model(p.base_url)
    if not m then io.stderr:write("omnilua bench: ", err, "\n") return 1 end
    p.model = m
  end
  local out = io.stdout
  if (o.num_warmups or 0) > 0 then -- run by run.point, on the measured run's connections
    out:write(string.format("Warming up with %d requests...\n", o.num_warmups))
  end
  out:write("Traffic request rate: ", result.rate_str(p.request_rate), "\n")
  out:write(string.format("Burstiness factor: %s (%s)\n", result.rate_str(p.burstiness),
    p.burstiness == 1 and "Poisson process" or "Gamma distribution"))
  out:write("Maximum request concurrency: ", p.max_concurrency and tostring(p.max_concurrency) or "None", "\n")
  out:flush()
  local res, recs, reqs = run.point(p)
  if not res then io.stderr:write("omnilua bench: ", tostring(reqs), "\n") return 1 end
  local shown = 0
  for i, r in ipairs(recs) do
    if not r.success and shown < 10 then
      out:write(string.format("Error %d: %s\n", i - 1, r.error or "?"))
      shown = shown + 1
    end
  end
  p.show_intended = true
  for _, l in ipairs(console.lines(p, res)) do out:write(l, "\n") end
  if o.save_result or o.append_result or o.result_filename then
    local name = o.result_filename or result.filename(p, res.date)
    if o.result_dir then
      require("omni.core.fs").mkdir(o.result_dir)
      name = o.result_dir .. "/" .. name
    end
    local ok, err = result.write(res, name, o.append_result)
    if not ok then io.stderr:write("omnilua bench: ", err, "\n") return 1 end
    out:write("Result saved to ", name, "\n")
  end
  return res.completed > 0 and 0 or 1
end

function M.main(args)
  local o = argparse.parse("bench", M.SPEC, args)
  if o.help then
    io.stdout:write("usage: omnilua bench [options]            (one benchmark, vllm bench serve flags)\n",
      "       omnilua bench NIGHTLY.json [--json F] [--junitxml F] [--budget 30m] [--server URL]\n\noptions:\n",
      argparse.help(M.SPEC), "\n")
    return 0
  end
  if #o.positional > 1 then argparse.usage_error("bench: expected at most one nightly.json, got %d files", #o.positional) end
  if o.positional[1] then
    return require("omni.bench.nightly_run").main(o.positional[1], o)
  end
  return M.run_single(M.point_of(o), o)
end

return M
