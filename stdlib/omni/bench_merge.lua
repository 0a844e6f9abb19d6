--- omni.bench_merge: a `omnilua merge` kind for bench results, so the
--- results of several client hosts that loaded one server together become
--- one set of numbers. Per metric the raw per-request samples of every host
--- are concatenated (hosts in the order given) and the statistics computed
--- with numpy's rules: the merged percentiles are exact, the same as one
--- client with all the requests. The histograms are merged too (bucket by
--- bucket, exact) and kept in the output for later merges. Counts and
--- tokens add up; throughputs are over the longest host duration (the hosts
--- ran at the same time).
---
---   require "omni.bench_merge"   -- registers the kind
---   omnilua merge merged host1/result.json host2/result.json   -> merged.bench.json
local cjson = require "cjson"
local metrics = require "omni.core.metrics"
local oj = require "omni.bench.ordered_json"
local result = require "omni.bench.result"

local M = {}

local function read_json(path)
  local s, err = require("omni.files").read(path)
  if not s then return nil, err end
  local ok, v = pcall(cjson.decode, s)
  if not ok then return nil, path .. ": " .. tostring(v) end
  return v
end

--- true when the file is a bench result.
---@param path string
function M.match(path)
  if not path:match("%.json$") then return false end
  local f = io.open(path, "r")
  if not f then return false end
  local head = f:read(4096) or ""
  f:close()
  return head:find('"endpoint_type"', 1, true) ~= nil and head:find('"date"', 1, true) ~= nil
end

local SERIES = { -- metric -> per-request key in the result, scale to the metric's unit
  ttft = "ttfts", e2el = "latencies", audio_ttfp = "audio_ttfps", audio_rtf = "audio_rtfs",
  audio_duration = "audio_durations",
}

local function pct_of(res)
  local ps = {}
  for k in pairs(res) do
    local p = k:match("^p([%d%.]+)_ttft_ms$") or k:match("^p([%d%.]+)_e2el_ms$")
    if p then ps[tonumber(p)] = true end
  end
  local out = {}
  for p in pairs(ps) do out[#out + 1] = p end
  table.sort(out)
  if #out == 0 then out = { 99 } end
  return out
end

--- Merges decoded results into one ordered result.
---@param list table[] decoded result JSONs
---@return table? merged, string? err
function M.merge_results(list)
  if #list == 0 then return nil, "nothing to merge" end
  local first = list[1]
  local pcts = pct_of(first)
  local o = oj.object()
  local function set(k, v) oj.set(o, k, v) end
  for _, k in ipairs({ "date", "endpoint_type", "backend", "label", "model_id", "tokenizer_id" }) do set(k, first[k]) end
  local sum = function(k)
    local s = 0
    for _, r in ipairs(list) do s = s + (tonumber(r[k]) or 0) end
    return s
  end
  local dur = 0
  for _, r in ipairs(list) do dur = math.max(dur, tonumber(r.duration) or 0) end
  set("num_prompts", math.tointeger(sum("num_prompts")))
  set("request_rate", first.request_rate)
  set("burstiness", first.burstiness)
  set("max_concurrency", first.max_concurrency)
  set("duration", dur)
  set("completed", math.tointeger(sum("completed")))
  set("failed", math.tointeger(sum("failed")))
  set("total_input_tokens", math.tointeger(sum("total_input_tokens")))
  set("total_output_tokens", math.tointeger(sum("total_output_tokens")))
  set("request_throughput", dur > 0 and sum("completed") / dur or 0)
  local good = first.request_goodput ~= cjson.null and first.request_goodput ~= nil
  set("request_goodput", good and (function()
    local g = 0
    for _, r in ipairs(list) do g = g + (tonumber(r.request_goodput) or 0) * (tonumber(r.duration) or 0) end
    return dur > 0 and g / dur or 0
  end)() or nil)
  set("output_throughput", dur > 0 and sum("total_output_tokens") / dur or 0)
  set("total_token_throughput", dur > 0 and (sum("total_input_tokens") + sum("total_output_tokens")) / dur or 0)
  -- per-request lists, concatenated in host order
  local cat = {}
  for _, k in ipairs({ "input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times", "queue_times",
    "generated_texts", "errors", "intended_times", "audio_ttfps", "audio_rtfs", "audio_durations" }) do
    local all = {}
    for _, r in ipairs(list) do
      if type(r[k]) == "table" then for _, v in ipairs(r[k]) do all[#all + 1] = v end end
    end
    cat[k] = all
  end
  for _, k in ipairs({ "input_lens", "output_lens", "ttfts", "itls", "latencies", "start_times", "queue_times", "generated_texts", "errors" }) do
    set(k, cat[k])
  end
  set("max_output_tokens_per_s", sum("max_output_tokens_per_s")) -- an upper bound: hosts' peaks may not coincide
  set("max_concurrent_requests", math.tointeger(sum("max_concurrent_requests")))
  set("rtfx", 0.0)
  -- successful requests only, as in each host's stats
  local series = { ttft = {}, tpot = {}, itl = {}, e2el = {}, audio_ttfp = cat.audio_ttfps, audio_rtf = cat.audio_rtfs,
    audio_duration = cat.audio_durations, ttft_intended = {}, e2el_intended = {} }
  for i, olen in ipairs(cat.output_lens) do
    if olen > 0 then
      local ttft, lat = cat.ttfts[i], cat.latencies[i]
      series.ttft[#series.ttft + 1] = ttft
      series.e2el[#series.e2el + 1] = lat
      if olen > 1 then series.tpot[#series.tpot + 1] = (lat - ttft) / (olen - 1) end
      for _, v in ipairs(cat.itls[i] or {}) do series.itl[#series.itl + 1] = v end
      local q = cat.queue_times[i] or 0
      series.ttft_intended[#series.ttft_intended + 1] = ttft + q
      series.e2el_intended[#series.e2el_intended + 1] = lat + q
    end
  end
  local function stats(name, unit)
    if first["mean_" .. name .. unit] == nil then return end
    local s = metrics.stats(#series[name] > 0 and series[name] or { 0 }, pcts)
    local k = unit == "_ms" and 1000 or 1
    set("mean_" .. name .. unit, s.mean * k)
    set("median_" .. name .. unit, s.median * k)
    set("std_" .. name .. unit, s.std * k)
    for i, p in ipairs(pcts) do set("p" .. result.pword(p) .. "_" .. name .. unit, s.percentiles[i] * k) end
  end
  for _, name in ipairs({ "ttft", "tpot", "itl", "e2el", "audio_ttfp", "audio_rtf", "audio_duration" }) do
    stats(name, result.METRICS[name])
  end
  for _, name in ipairs(result.INTENDED) do stats(name, "_ms") end
  set("intended_times", cat.intended_times)
  set("audio_throughput", dur > 0 and (function()
    local a = 0
    for _, v in ipairs(cat.audio_durations) do a = a + v end
    return a / dur
  end)() or 0)
  set("audio_ttfps", cat.audio_ttfps)
  set("audio_rtfs", cat.audio_rtfs)
  set("audio_durations", cat.audio_durations)
  if first.client_cpu_s ~= nil then set("client_cpu_s", sum("client_cpu_s")) end -- the hosts' CPU together
  for _, k in ipairs({ "wake_lateness_p50_ms", "wake_lateness_p99_ms", "wake_lateness_max_ms" }) do
    if first[k] ~= nil then -- the noisiest host's: a merged figure is no better than it
      local worst = 0
      for _, r in ipairs(list) do worst = math.max(worst, tonumber(r[k]) or 0) end
      set(k, worst)
    end
  end
  -- histograms: exact bucket-wise merge
  local h = oj.object()
  if type(first.histograms) == "table" then
    oj.set(h, "settings", first.histograms.settings)
    local names = {}
    for k in pairs(first.histograms) do if k ~= "settings" then names[#names + 1] = k end end
    table.sort(names)
    for _, k in ipairs(names) do
      local acc
      for _, r in ipairs(list) do
        local text = type(r.histograms) == "table" and r.histograms[k]
        if type(text) ~= "string" then return nil, "a result has no histogram " .. k end
        local one, err = metrics.histogram_decode(text)
        if not one then return nil, "histogram " .. k .. ": " .. tostring(err) end
        if acc then
          local ok, merr = pcall(acc.merge, acc, one)
          if not ok then return nil, "histogram " .. k .. ": " .. tostring(merr) end
        else acc = one end
      end
      oj.set(h, k, (acc.serialize or acc.encode)(acc))
    end
  end
  set("histograms", h)
  set("omnilua", { kind = "bench-result", version = 1, merged_from = #list })
  return o
end

--- The merge kind's entry point.
---@param paths string[]
---@param out_prefix string?
---@return integer exit code
function M.merge(paths, out_prefix)
  local list = {}
  for _, p in ipairs(paths) do
    local v, err = read_json(p)
    if not v then io.stderr:write("ERROR: merge: ", tostring(err), "\n") return 4 end
    list[#list + 1] = v
  end
  local merged, err = M.merge_results(list)
  if not merged then io.stderr:write("ERROR: merge: ", err, "\n") return 4 end
  local out = (out_prefix or "merged") .. ".bench.json"
  local ok, werr = result.write(merged, out)
  if not ok then io.stderr:write("ERROR: merge: ", werr, "\n") return 4 end
  io.stdout:write(string.format("merged %d bench results (%d requests): %s\n", #list, merged.num_prompts, out))
  return 0
end

require("omni.cli.merge").register("bench", { match = M.match, merge = M.merge })

return M
