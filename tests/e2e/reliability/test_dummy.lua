-- L5 reliability against the dummy server (spec chapter 4): network flicker
-- during a load, a server killed mid-stream, abnormal inputs, resource
-- preemption. Faults come from omni.faults; no test leaves a proxy, hog or
-- server running (each checks it).
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local proc = require "omni.proc"
local clock = require "omni.core.clock"
local host = require "omni.core.host"
local dummy = require "omni.core.dummy"
local faults = require "omni.faults"
local gpu = require "omni.gpu"
local cjson = require "cjson"

local HERE = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/reliability")
local corpus = dofile(HERE .. "/abnormal.lua")

-- Failure codes a client may legitimately end with: each names what went wrong.
local CLASSIFIED = { ECONNREFUSED = true, ECONNRESET = true, TIMEOUT = true, IDLE_TIMEOUT = true, TRUNCATED = true,
  BAD_STREAM = true, EPROTO = true, HTTP_STATUS = true, STREAM_ERROR = true }

local helpers = dofile(HERE .. "/../../helpers.lua")
local read, alive = helpers.read, helpers.running

local function touch(path) local f = io.open(path, "w") f:close() end

local function chat(url, text, extra)
  local body = { model = "omni-dummy", messages = { { role = "user", content = text } }, modalities = { "text" } }
  for k, v in pairs(extra or {}) do body[k] = v end
  return { url = url .. "/v1/chat/completions", method = "POST", body = body, timeout = 15, api_key = false }
end

omni.test("network_flicker_every_request_accounted", { marks = { "cpu", "core_model" }, timeout = 120 }, function(tmp_path)
  -- in-process dummy: it counts every request it receives
  local s = assert.not_nil(dummy.start { port = 0, ttft_ms = 2, itl_ms = 1, output_tokens = 4 })
  local pf, sf = tmp_path .. "/port", tmp_path .. "/stats.json"
  local helper = assert.not_nil(proc.spawn({ host.exe, "lua", HERE .. "/samples/flicker_proxy.lua", tostring(s:port()), pf, sf },
    { stdout = tmp_path .. "/proxy.log", stderr = tmp_path .. "/proxy.log" }))
  local deadline = clock.now_ns() + 20e9
  while not read(pf) and clock.now_ns() < deadline do clock.sleep(0.02) end
  local port = assert.not_nil(tonumber((read(pf))), "the proxy did not start: " .. tostring(read(tmp_path .. "/proxy.log")))
  local url = "http://127.0.0.1:" .. port
  local N, before = 120, s:requests()
  local reqs = {}
  touch(pf .. ".go")
  local t0 = clock.now_ns()
  for i = 1, N do
    local id = "req-" .. i
    local r = chat(url, "hello " .. i, { user = id })
    r.headers = { ["X-Request-Id"] = id }
    r.retries, r.backoff, r.retry_on = 6, 0.2, { 502, 503, 504 }
    r.start_at_ns = t0 + math.floor((i - 1) * 4e9 / N) -- spread over the 3.3 s of flicker
    r.id = id
    reqs[i] = r
  end
  local results = http.batch(reqs, { concurrency = 16 })
  touch(sf .. ".stop")
  local code = helper:wait(20)
  assert.equal(code, 0, read(tmp_path .. "/proxy.log"))
  local stats = cjson.decode(assert.not_nil(read(sf)))
  local received = s:requests() - before
  s:stop()

  -- every request ends once: a success with a distinct server answer, or a classified failure
  assert.equal(#results, N)
  local ok, failed, attempts, retried, server_ids = 0, 0, 0, 0, {}
  for i, r in ipairs(results) do
    local resp = r.ok and r or r.partial or {}
    local a = resp.attempts or 1
    attempts = attempts + a
    if a > 1 then retried = retried + 1 end
    if r.ok then
      assert.equal(r.status, 200, "request " .. reqs[i].id)
      local sid = assert.not_nil(cjson.decode(r.body).id)
      assert.is_nil(server_ids[sid], "answer " .. sid .. " delivered twice")
      server_ids[sid] = reqs[i].id
      ok = ok + 1
    else
      assert.truthy(CLASSIFIED[r.code], string.format("request %s failed with an unclassified code %s: %s", reqs[i].id, tostring(r.code), tostring(r.err)))
      failed = failed + 1
    end
  end
  assert.equal(ok + failed, N, "lost or double-counted requests")
  -- the server side: it saw every success, and no more than the client's attempts
  assert.truthy(received >= ok, string.format("server received %d < %d successes", received, ok))
  assert.truthy(received <= attempts, string.format("server received %d > %d attempts", received, attempts))
  -- the flicker happened and retries absorbed it
  assert.truthy(stats.resets >= 1, "no reset seen by the proxy: " .. cjson.encode(stats))
  assert.truthy(retried >= 1, "no request needed a retry")
  assert.truthy(ok >= N * 0.9, string.format("only %d of %d succeeded after retries", ok, N))
  assert.falsy(alive(helper.pid), "the proxy process is still running")
end)

omni.test("server_killed_mid_stream_classified_and_recovered", { marks = { "cpu", "core_model" }, timeout = 90 }, function(dummy_process)
  local srv = dummy_process
  local old_pid = srv.pid
  -- the stream lasts 3 s (60 tokens at 50 ms); the group is killed after 0.7 s
  local killer = assert.not_nil(proc.spawn({ "sh", "-c", "sleep 0.7; kill -KILL -" .. old_pid }))
  local req = chat(srv:url(), "tell me a long story", { stream = true, max_tokens = 60 })
  req.json = true
  local r, err, code, partial = http.stream(req)
  local t_fail = clock.now_ns()
  killer:wait(5)
  assert.is_nil(r, "the stream survived its server")
  assert.truthy(code == "ECONNRESET" or code == "TRUNCATED", "unclassified failure: " .. tostring(code) .. " " .. tostring(err))
  assert.truthy(partial and partial.events and #partial.events >= 2, "the kill did not happen mid-stream")
  -- the kill has reached the client; the leader may take a moment to be reaped
  local deadline = clock.now_ns() + 5e9
  while srv:alive() and clock.now_ns() < deadline do clock.sleep(0.02) end
  assert.falsy(srv:alive(), "the killed server is still alive after 5 s")
  -- the fixture's server restarts on its port; recovery = failure seen -> first good answer
  assert.truthy(srv:start())
  local r2
  repeat
    r2 = http.request(chat(srv:url(), "are you back?"))
  until (r2 and r2.status == 200) or clock.now_ns() - t_fail > 30e9
  local recovery = (clock.now_ns() - t_fail) / 1e9
  assert.equal(r2 and r2.status, 200)
  assert.truthy(recovery < 10, string.format("recovery took %.2f s (limit 10 s)", recovery))
  assert.falsy(alive(old_pid))
  assert.truthy(srv.pid ~= old_pid)
end)

omni.test("abnormal_inputs_rejected_server_stays_healthy", {
  marks = { "cpu", "core_model" }, timeout = 90, params = { case = corpus.names(corpus.REJECTED_BY_DUMMY) },
}, function(case, dummy_process)
  local srv = dummy_process
  local c = corpus.get(case)
  local r, err = http.request(corpus.request(c, srv:url(), "omni-dummy"))
  assert.not_nil(r, err)
  assert.truthy(r.status >= 400 and r.status < 500, string.format("%s: HTTP %d (4xx expected): %s", case, r.status, r.body:sub(1, 200)))
  assert.match(r.body, '"error"')
  assert.truthy(srv:alive(), "the server died on " .. case)
  assert.equal(http.request { url = srv:url() .. "/health", timeout = 5, api_key = false }.status, 200)
  assert.equal(http.request(chat(srv:url(), "still fine?")).status, 200)
end)

omni.test("abnormal_inputs_the_dummy_accepts", {
  marks = { "cpu", "core_model" }, timeout = 90, params = { case = corpus.names(corpus.ACCEPTED_BY_DUMMY) },
}, function(case, dummy_process)
  local srv = dummy_process
  local r, err = http.request(corpus.request(corpus.get(case), srv:url(), "omni-dummy"))
  assert.not_nil(r, err)
  assert.truthy(srv:alive(), "the server died on " .. case)
  assert.truthy(r.status >= 400 and r.status < 500, string.format("%s: HTTP %d (4xx expected)", case, r.status))
end)

-- Throughput and p99 of a fixed load of fast requests.
local function measure(url, n)
  local reqs = {}
  for i = 1, n do
    local r = chat(url, "hi " .. i)
    r.headers = { ["x-dummy-fault"] = "ttft_ms=2,itl_ms=1,output_tokens=8" }
    reqs[i] = r
  end
  local t = clock.now_ns()
  local res = http.batch(reqs, { concurrency = 4 })
  local el = (clock.now_ns() - t) / 1e9
  local errors, lat = 0, {}
  for _, r in ipairs(res) do
    if r.ok and r.status == 200 then lat[#lat + 1] = (r.t_end_ns - r.t_start_ns) / 1e6 else errors = errors + 1 end
  end
  table.sort(lat)
  return { rps = n / el, errors = errors, p99 = lat[math.max(1, math.ceil(#lat * 0.99))] or 0 }
end

-- the preemption may cost at most this share of throughput
local MAX_DEGRADATION = 0.75

omni.test("cpu_preemption_degrades_within_threshold", { marks = { "cpu", "core_model" }, timeout = 120 }, function(dummy_process)
  local url = dummy_process:url()
  measure(url, 40) -- warm up
  local base = measure(url, 300)
  local hog = assert.not_nil(faults.cpu_hog { threads = 4, seconds = 60 })
  local under = measure(url, 300)
  hog:stop()
  assert.equal(hog:running(), 0, "the CPU hog is still spinning")
  local after = measure(url, 300)
  local degradation = 1 - under.rps / base.rps
  print(string.format("cpu preemption: %.0f req/s -> %.0f req/s under 4 hog threads (%.0f%% less), %.0f after; p99 %.1f -> %.1f ms",
    base.rps, under.rps, degradation * 100, after.rps, base.p99, under.p99))
  assert.equal(under.errors, 0, "requests failed under CPU preemption")
  assert.truthy(degradation <= MAX_DEGRADATION, string.format("throughput fell %.0f%% under the CPU hog (limit %.0f%%)", degradation * 100, MAX_DEGRADATION * 100))
  assert.truthy(after.rps >= base.rps * 0.5, string.format("no recovery after the hog: %.0f req/s vs %.0f", after.rps, base.rps))
end)

omni.test("gpu_preemption_degrades_within_threshold", { marks = { "gpu", "core_model" }, timeout = 120 }, function(dummy_process)
  local ok, why = gpu.available()
  if not ok then omni.skip(why) end
  local url = dummy_process:url()
  local base = measure(url, 300)
  local hog = assert.not_nil(gpu.hog { fraction = 0.8, device = 0, seconds = 60 })
  local under = measure(url, 300)
  hog:release()
  local degradation = 1 - under.rps / base.rps
  assert.equal(under.errors, 0)
  assert.truthy(degradation <= MAX_DEGRADATION, string.format("throughput fell %.0f%% under the GPU memory hog", degradation * 100))
end)
