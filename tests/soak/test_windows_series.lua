-- Windows (latency percentiles from histograms, throughput, errors,
-- resource means) and the JSONL series (append, truncated last line, read back).
local omni = require "omni"
local assert = require "omni.assert"
local windows = require "omni.soak.windows"
local series = require "omni.soak.series"

omni.test("window_record", { marks = { "cpu" } }, function()
  local w = windows.new(3, 10, 20)
  for i = 1, 100 do w:add_result({ ok = true, latency_ms = i, ttft_ms = i / 10, tokens = 2, mix = "text" }) end
  w:add_result({ ok = false, code = "TIMEOUT", mix = "image" })
  w:add_result({ ok = false, code = "TIMEOUT", mix = "text" })
  w:add_sample({ rss_bytes = 100 * 1048576, procs = 2, cpu_pct = 50 })
  w:add_sample({ rss_bytes = 200 * 1048576, procs = 2, cpu_pct = 30, vram_bytes = 1048576 })
  w:add_sample({ rss_bytes = 0, procs = 0 }) -- the group was gone: not a 0 MB reading
  local r = w:close()
  assert.equal(r.kind, "window")
  assert.equal(r.index, 3)
  assert.equal(r.requests, 102)
  assert.equal(r.ok, 100)
  assert.equal(r.errors, 2)
  assert.same(r.error_codes, { TIMEOUT = 2 })
  assert.same(r.by_mix, { text = 101, image = 1 })
  assert.equal(r.throughput_rps, 10)
  assert.equal(r.tokens_per_s, 20)
  assert.near(r.p50_ms, 50, 0.05)
  assert.near(r.p99_ms, 99, 0.1)
  assert.near(r.ttft_p99_ms, 9.9, 0.01)
  assert.equal(r.rss_mb, 150)
  assert.equal(r.vram_mb, 1)
  assert.equal(r.cpu_pct, 40)
  assert.type(r.hist, "string")
  -- merged percentiles over windows equal those over all requests
  local a, b = windows.new(1, 0, 1), windows.new(2, 1, 2)
  for i = 1, 50 do a:add_result({ ok = true, latency_ms = i }) end
  for i = 51, 100 do b:add_result({ ok = true, latency_ms = i }) end
  local m = windows.merged({ a:close(), b:close() })
  assert.equal(m.count, 100)
  assert.near(m.p99_ms, 99, 0.1)
end)

omni.test("empty_window", { marks = { "cpu" } }, function()
  local r = windows.new(1, 0, 5):close()
  assert.equal(r.requests, 0)
  assert.equal(r.throughput_rps, 0)
  assert.is_nil(r.p99_ms)
  assert.is_nil(r.rss_mb)
end)

omni.test("jsonl_append_truncated_line_and_resume_read", { marks = { "cpu" } }, function(tmp_path)
  local p = tmp_path .. "/s.jsonl"
  local w = assert(series.open(p))
  w:write({ kind = "meta", test = "x", t = 0 })
  w:write({ kind = "sample", t = 1, rss_bytes = 5, procs = 1 })
  w:write({ kind = "window", index = 1, t0 = 0, t1 = 5, requests = 3, p99_ms = 0 / 0 }) -- NaN -> null
  w:close()
  -- a kill in the middle of a line
  local f = io.open(p, "ab")
  f:write('{"kind":"sample","t":6,"rss_by')
  f:close()
  local s = assert(series.read(p))
  assert.equal(#s.samples, 1)
  assert.equal(#s.windows, 1)
  assert.equal(s.skipped, 1)
  assert.equal(s.last_t, 5)
  assert.falsy(s.finished)
  assert.equal(s.meta.test, "x")
  -- appending after the cut line starts a new line; the cut one stays skipped
  local w2 = assert(series.open(p))
  w2:write({ kind = "event", t = 7, what = "resumed" })
  w2:write({ kind = "end", t = 9, reason = "done" })
  w2:close()
  local s2 = assert(series.read(p))
  assert.equal(#s2.events, 1)
  assert.equal(s2.skipped, 1)
  assert.equal(s2.last_t, 9)
  assert.truthy(s2.finished)
  local _, err, code = series.read(tmp_path .. "/none.jsonl")
  assert.equal(code, "ENOENT")
  assert.contains(err, "none.jsonl")
end)
