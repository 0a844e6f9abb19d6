-- omni.metrics: vllm-exact summaries, mergeable histograms, trend fits.
local omni = require "omni"
local assert = require "omni.assert"
local metrics = require "omni.metrics"

omni.test("summary_matches_vllm_bench_serve", { marks = { "cpu" } }, function()
  -- TTFTs in seconds, in request order; vllm reports np.<stat>(ttfts) * 1000.
  -- Expected values computed with numpy 1.24.2.
  local s = metrics.summary({ 0.1, 0.2, 0.15, 0.3, 0.12 }, { percentiles = { 50, 99, 99.9 }, scale = 1000 })
  assert.equal(s.count, 5)
  assert.equal(s.mean, 174.0)
  assert.equal(s.median, 150.0)
  assert.equal(s.std, 71.442284397967001)
  assert.equal(s.p50, 150.0)
  assert.equal(s.p99, 296.0)
  assert.equal(s["p99.9"], 299.60000000000002)
  assert.equal(s.min, 100.0)
  assert.equal(s.max, 300.0)
  local d = metrics.summary({ 1, 2, 3, 4 })
  assert.equal(d.p99, 3.9699999999999998, "default percentiles: {99}, as vllm")
  assert.is_nil(d.p50)
  assert.equal(d.std, 1.1180339887498949)
end)

omni.test("summary_of_nothing_is_zeros", { marks = { "cpu" } }, function()
  assert.same(metrics.summary({}, { percentiles = { 50, 99 } }),
    { count = 0, mean = 0, median = 0, std = 0, min = 0, max = 0, p50 = 0, p99 = 0 })
end)

omni.test("summary_rejects_bad_input", { marks = { "cpu" } }, function()
  assert.raises(function() metrics.summary({ 1, "2" }) end, "element 2 is a string, not a number")
  assert.raises(function() metrics.summary({ 1, 0 / 0 }) end, "NaN")
  assert.raises(function() metrics.summary({ 1 }, { percentiles = { 101 } }) end, "[0, 100]")
  assert.raises(function() metrics.summary(nil) end, "bad argument #1 to 'summary'")
end)

omni.test("percentile_keys_follow_vllm", { marks = { "cpu" } }, function()
  assert.equal(metrics.percentile_key(99), "p99")
  assert.equal(metrics.percentile_key(99.0), "p99")
  assert.equal(metrics.percentile_key(99.9), "p99.9")
  assert.equal(metrics.percentile_key(0.1), "p0.1")
end)

-- deterministic pseudo-random latencies in ms (xorshift), with a slow tail
local function latencies(n, seed)
  local x, out = seed, {}
  for i = 1, n do
    x = x ~ (x << 13) & 0xffffffff
    x = x ~ (x >> 17)
    x = x ~ (x << 5) & 0xffffffff
    local u = x / 4294967296
    out[i] = 5 + 200 * u * u + (i % 97 == 0 and 3000 or 0)
  end
  return out
end

omni.test("merged_shards_equal_one_histogram", { marks = { "cpu" } }, function()
  local values = latencies(20000, 12345)
  local all, shards = metrics.histogram(), {}
  for k = 1, 3 do shards[k] = metrics.histogram() end
  for i, v in ipairs(values) do
    all:record(v)
    shards[i % 3 + 1]:record(v)
  end
  -- shards travel as text (result JSON of each client host), then merge
  local merged = metrics.histogram()
  for k = 1, 3 do merged:merge(assert.not_nil(metrics.histogram_from(shards[k]:serialize()))) end
  assert.equal(merged:serialize(), all:serialize(), "bucket for bucket, count, sum, min, max")
  assert.equal(merged:count(), 20000)
  for _, q in ipairs({ 0, 0.5, 0.9, 0.99, 0.999, 1 }) do
    assert.equal(merged:quantile(q), all:quantile(q))
  end
  assert.equal(merged:mean(), all:mean())
end)

omni.test("histogram_quantiles_within_the_error_bound", { marks = { "cpu" } }, function()
  local values = latencies(5000, 777)
  local h = metrics.histogram()
  local sum = 0
  for _, v in ipairs(values) do h:record(v); sum = sum + v end
  table.sort(values)
  for _, q in ipairs({ 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999 }) do
    local exact = values[math.ceil(q * #values)] -- nearest rank
    assert.near(h:quantile(q), exact, exact * 1e-3 + 0.0005, "q=" .. q)
  end
  assert.near(h:mean(), sum / #values, 0.0005)
  assert.near(h:min(), values[1], 0.0005)
  assert.near(h:max(), values[#values], 0.0005)
  local s = metrics.histogram_summary(h, { percentiles = { 50, 99 } })
  assert.equal(s.count, 5000)
  assert.equal(s.p99, h:quantile(0.99))
end)

omni.test("histogram_settings_and_clamping", { marks = { "cpu" } }, function()
  local h = metrics.histogram({ digits = 2, resolution = 1e-6, highest = 10 }) -- seconds, 1 us .. 10 s
  assert.same(h:settings(), { digits = 2, resolution = 1e-6, highest = 10 })
  h:record(0.25, 4)
  h:record(60)
  assert.equal(h:count(), 5)
  assert.equal(h:clamped(), 1)
  assert.near(h:max(), 10, 1e-9)
  assert.near(h:quantile(0.5), 0.25, 0.25 * 1e-2)
  assert.raises(function() h:record(-1) end, "values must be >= 0")
  assert.raises(function() h:quantile(2) end, "quantile must be in [0, 1]")
  assert.raises(function() metrics.histogram():merge(h) end, "different settings")
  assert.raises(function() metrics.histogram({ digits = 9 }) end, "bad histogram settings")
end)

omni.test("histogram_from_rejects_garbage", { marks = { "cpu" } }, function()
  for _, text in ipairs({ "", "abc", "!!!!!!!!", "T01IMQ==" }) do
    local h, err, code = metrics.histogram_from(text)
    assert.is_nil(h, text)
    assert.equal(code, "EHIST")
    assert.match(err, "^invalid histogram")
  end
  local good = metrics.histogram()
  good:record(1)
  local text = good:serialize()
  local cut = metrics.histogram_from(text:sub(1, #text - 4))
  assert.is_nil(cut, "a truncated histogram is refused")
  assert.raises(function() metrics.histogram_from(nil) end, "string expected")
end)

omni.test("closed_histogram_raises_and_gc_is_harmless", { marks = { "cpu" } }, function()
  local h = metrics.histogram()
  h:record(3)
  h:close()
  h:close()
  assert.raises(function() h:count() end, "attempt to use a closed histogram")
  do local scoped <close> = metrics.histogram() end
  h = nil
  collectgarbage()
end)

omni.test("fit_gives_slope_and_its_interval", { marks = { "cpu" } }, function()
  local f = assert.not_nil(metrics.fit({ 1, 2, 3, 4, 5 }, { 3, 5, 7, 9, 11 }))
  assert.near(f.slope, 2, 1e-14)
  assert.near(f.intercept, 1, 1e-13)
  assert.near(f.r2, 1, 1e-14)
  assert.near(f.slope_lo, 2, 1e-12)
  assert.near(f.slope_hi, 2, 1e-12)
  -- numpy: slope 1.99, r2 0.997305..., stderr 0.0597215...; t(0.975, 3) = 3.18244630528
  f = assert.not_nil(metrics.fit({ 1, 2, 3, 4, 5 }, { 2.1, 3.9, 6.2, 7.8, 10.1 }))
  assert.near(f.slope, 1.99, 1e-12)
  assert.near(f.intercept, 0.05, 1e-12)
  assert.near(f.r2, 0.99730532890097701, 1e-12)
  assert.near(f.slope_stderr, 0.059721576223896594, 1e-12)
  assert.near(f.t, 3.1824463052842638, 1e-9)
  assert.near(f.slope_lo, 1.99 - 3.1824463052842638 * 0.059721576223896594, 1e-9)
  assert.equal(f.df, 3)
  local f99 = assert.not_nil(metrics.fit({ 1, 2, 3, 4, 5 }, { 2.1, 3.9, 6.2, 7.8, 10.1 }, { confidence = 0.99 }))
  assert.truthy(f99.slope_lo < f.slope_lo and f99.slope_hi > f.slope_hi, "wider at 99%")
  -- a flat series: no trend, the interval contains 0
  local flat = assert.not_nil(metrics.fit({ 0, 60, 120, 180 }, { 100, 101, 99, 100 }))
  assert.truthy(flat.slope_lo <= 0 and flat.slope_hi >= 0)
end)

omni.test("fit_errors", { marks = { "cpu" } }, function()
  local f, err, code = metrics.fit({ 1 }, { 1 })
  assert.is_nil(f)
  assert.equal(code, "EFIT")
  assert.contains(err, "fewer than 2 points")
  f, err = metrics.fit({ 2, 2, 2 }, { 1, 2, 3 })
  assert.contains(err, "all x values are equal")
  f, err = metrics.fit({ 1, 2, 3 }, { 1, math.huge, 3 })
  assert.contains(err, "NaN or infinite")
  assert.raises(function() metrics.fit({ 1, 2 }, { 1 }) end, "same length")
  assert.raises(function() metrics.fit({ 1, 2 }, { 1, 2 }, { confidence = 1 }) end, "confidence")
  local two = assert.not_nil(metrics.fit({ 1, 2 }, { 1, 3 }))
  assert.equal(two.slope, 2.0)
  assert.equal(two.slope_lo, -math.huge)
  assert.equal(two.slope_hi, math.huge)
  assert.near(metrics.t_quantile(0.975, 1), 12.706204736174698, 1e-8)
end)
