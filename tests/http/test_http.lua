-- omni.http against the in-process dummy server (omni.core.dummy on a thread;
-- the fixture stops it, so no server outlives its test). Timing bounds are
-- wide: the machine is shared.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local dummy = require "omni.core.dummy"
local clock = require "omni.core.clock"
local cjson = require "cjson"

omni.fixture("server", function()
  local s = assert.not_nil(dummy.start { port = 0, ttft_ms = 5, itl_ms = 1, audio = false })
  coroutine.yield({ url = "http://127.0.0.1:" .. s:port(), s = s })
  s:stop()
end)

local function chat(extra)
  local b = { model = "omni-dummy", stream = true, messages = { { role = "user", content = "What is the capital of China?" } } }
  for k, v in pairs(extra or {}) do b[k] = v end
  return b
end

local function faulty(server, fault, opts)
  local o = { url = server.url .. "/v1/chat/completions", body = chat(), headers = { ["x-dummy-fault"] = fault } }
  for k, v in pairs(opts or {}) do o[k] = v end
  return o
end

local function ms_since(t0) return (clock.now_ns() - t0) / 1e6 end

omni.test("request_get_json", { marks = { "cpu" } }, function(server)
  local r, err = http.request { url = server.url .. "/v1/models", timeout = 5 }
  assert.not_nil(r, err)
  assert.equal(r.status, 200)
  assert.equal(r.headers["content-type"], "application/json")
  assert.equal(cjson.decode(r.body).data[1].id, "omni-dummy")
  assert.truthy(r.t_start_ns <= r.t_first_byte_ns and r.t_first_byte_ns <= r.t_end_ns)
  assert.equal(r.attempts, 1)
end)

omni.test("request_http_error_is_an_answer", { marks = { "cpu" } }, function(server)
  local r = assert.not_nil(http.request { url = server.url .. "/nope" })
  assert.equal(r.status, 404)
  assert.match(cjson.decode(r.body).error.message, "no route GET /nope")
end)

omni.test("request_chunks_are_stamped", { marks = { "cpu" } }, function(server)
  local r = assert.not_nil(http.request { url = server.url .. "/v1/chat/completions", body = chat(), chunks = true })
  assert.truthy(#r.chunks >= 1)
  local total = 0
  for i, c in ipairs(r.chunks) do
    total = total + c.size
    if i > 1 then assert.truthy(c.t_ns >= r.chunks[i - 1].t_ns) end
  end
  assert.equal(total, #r.body)
end)

omni.test("connection_refused", { marks = { "cpu" } }, function()
  local s = dummy.start { port = 0 }
  local port = s:port()
  s:stop()
  local r, err, code, partial = http.request { url = "http://127.0.0.1:" .. port .. "/health" }
  assert.is_nil(r)
  assert.equal(code, "ECONNREFUSED")
  assert.match(err, "^GET http://127%.0%.0%.1:%d+/health: cannot connect")
  assert.type(partial, "table")
end)

omni.test("retries_connection_errors_with_backoff", { marks = { "cpu" } }, function()
  local s = dummy.start { port = 0 }
  local port = s:port()
  s:stop()
  local t0 = clock.now_ns()
  local r, _, code, partial = http.request { url = "http://127.0.0.1:" .. port .. "/", retries = 2, backoff = 0.05 }
  assert.is_nil(r)
  assert.equal(code, "ECONNREFUSED")
  assert.equal(partial.attempts, 3)
  assert.truthy(ms_since(t0) >= 150, "backoff 50 ms then 100 ms") -- 0.05 + 0.1 s
end)

omni.test("retries_chosen_status_codes", { marks = { "cpu" } }, function(server)
  local r = assert.not_nil(http.request(faulty(server, "status=503", { body = chat { stream = false }, retries = 2, retry_on = { 503 }, backoff = 0.01 })))
  assert.equal(r.status, 503)
  assert.equal(r.attempts, 3)
  local once = assert.not_nil(http.request(faulty(server, "status=500", { body = chat { stream = false }, retries = 2, retry_on = { 503 } })))
  assert.equal(once.attempts, 1, "500 is not in retry_on")
end)

omni.test("total_timeout_when_the_server_never_answers", { marks = { "cpu" } }, function(server)
  local t0 = clock.now_ns()
  local r, err, code = http.request(faulty(server, "stall_after=0", { timeout = 0.3 }))
  assert.is_nil(r)
  assert.equal(code, "TIMEOUT")
  assert.match(err, "timeout after 0%.3 s")
  assert.truthy(ms_since(t0) < 3000)
end)

omni.test("idle_timeout_when_a_stream_stalls", { marks = { "cpu" } }, function(server)
  local t0 = clock.now_ns()
  local r, err, code, partial = http.stream(faulty(server, "stall_after=2", { idle_timeout = 0.3 }))
  assert.is_nil(r)
  assert.equal(code, "IDLE_TIMEOUT")
  assert.match(err, "nothing received for 300 ms")
  assert.equal(#partial.events, 2, "the events before the stall are kept")
  assert.truthy(ms_since(t0) < 3000)
end)

omni.test("truncated_stream", { marks = { "cpu" } }, function(server)
  local r, _, code, partial = http.stream(faulty(server, "drop_after=3"))
  assert.is_nil(r)
  assert.equal(code, "TRUNCATED")
  assert.equal(#partial.events, 3)
end)

omni.test("malformed_event_with_json_decoding", { marks = { "cpu" } }, function(server)
  local raw = assert.not_nil(http.stream(faulty(server, "malformed_after=1")))
  assert.match(raw.events[2].data, "broken")
  local r, err, code = http.stream(faulty(server, "malformed_after=1", { json = true }))
  assert.is_nil(r)
  assert.equal(code, "BAD_STREAM")
  assert.match(err, "event 2 is not valid JSON")
end)

omni.test("enormous_line", { marks = { "cpu" } }, function(server)
  local r, err, code = http.stream(faulty(server, "long_line_after=1"))
  assert.is_nil(r)
  assert.equal(code, "BAD_STREAM")
  assert.match(err, "SSE line 3: longer than 1048576 bytes")
  local _, err2 = http.stream(faulty(server, "long_line_after=1", { max_line = 1000 }))
  assert.match(err2, "longer than 1000 bytes")
end)

omni.test("invalid_utf8", { marks = { "cpu" } }, function(server)
  local r, err, code = http.stream(faulty(server, "bad_utf8_after=2"))
  assert.is_nil(r)
  assert.equal(code, "BAD_STREAM")
  assert.match(err, "invalid UTF%-8")
end)

omni.test("error_event_mid_stream", { marks = { "cpu" } }, function(server)
  local r, err, code, partial = http.stream(faulty(server, "error_after=2"))
  assert.is_nil(r)
  assert.equal(code, "STREAM_ERROR")
  assert.match(err, "error event 3")
  assert.equal(partial.status, 200)
end)

omni.test("stream_non_2xx", { marks = { "cpu" } }, function(server)
  local r, err, code, partial = http.stream(faulty(server, "status=500"))
  assert.is_nil(r)
  assert.equal(code, "HTTP_STATUS")
  assert.match(err, "HTTP 500")
  assert.equal(partial.status, 500)
end)

omni.test("response_size_cap", { marks = { "cpu" } }, function(server)
  local r, err, code = http.request { url = server.url .. "/v1/models", max_bytes = 10 }
  assert.is_nil(r)
  assert.equal(code, "TOO_LARGE")
  assert.match(err, "larger than 10 bytes")
end)

omni.test("tls_to_a_plain_port_is_ETLS", { marks = { "cpu" } }, function(server)
  local r, _, code = http.request { url = server.url:gsub("^http:", "https:") .. "/health", timeout = 5 }
  assert.is_nil(r)
  assert.contains({ "ETLS", "EPROTO" }, code)
end)

omni.test("stream_events_stamped_in_order", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, ttft_ms = 40, itl_ms = 10, audio = false })
  local url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions"
  local r, err = http.stream { url = url, body = chat { stream_options = { include_usage = true } }, json = true }
  assert.not_nil(r, err)
  assert.equal(r.events[#r.events].data, "[DONE]")
  local ttft = (r.events[1].t_ns - r.t_start_ns) / 1e6
  assert.truthy(ttft >= 39 and ttft < 400, "ttft " .. ttft)
  local n = #r.events - 2 -- text chunks before usage and [DONE]
  local gaps = (r.events[n].t_ns - r.events[1].t_ns) / 1e6 / (n - 1)
  assert.truthy(gaps >= 9 and gaps < 100, "mean gap " .. gaps)
  assert.equal(r.events[#r.events - 1].json.usage.completion_tokens, n)
  local times = assert.not_nil(http.stream { url = url, body = chat(), events = "times" })
  assert.equal(#times.event_times, n + 1) -- no usage chunk without include_usage
  assert.is_nil(times.events)
end)

omni.test("batch_keeps_order_and_caps_concurrency", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, ttft_ms = 60, audio = false, output_tokens = 1 })
  local base = "http://127.0.0.1:" .. s:port()
  local reqs = {}
  for i = 1, 12 do
    reqs[i] = i % 3 == 0 and { url = base .. "/nope" .. i }
        or { url = base .. "/v1/chat/completions", body = chat { stream = i % 2 == 0 }, stream = i % 2 == 0 }
  end
  local t0 = clock.now_ns()
  local res = http.batch(reqs, { concurrency = 3 })
  local capped = ms_since(t0)
  assert.equal(#res, 12)
  for i, r in ipairs(res) do
    assert.truthy(r.ok, r.err)
    assert.equal(r.status, i % 3 == 0 and 404 or 200, "request " .. i)
  end
  -- 8 chat requests of >= 60 ms, 3 at a time: at least 3 waves.
  assert.truthy(capped >= 170, "capped batch took " .. capped .. " ms")
  t0 = clock.now_ns()
  http.batch(reqs, { concurrency = 12 })
  assert.truthy(ms_since(t0) < capped, "an uncapped batch is faster")
end)

omni.test("batch_reports_failures_in_place", { marks = { "cpu" } }, function(server)
  local res = http.batch({ { url = server.url .. "/health" }, faulty(server, "drop_after=0"), { url = server.url .. "/v1/models" } })
  assert.truthy(res[1].ok)
  assert.falsy(res[2].ok)
  assert.equal(res[2].code, "ECONNRESET")
  assert.truthy(res[3].ok)
end)

omni.test("api_key_is_sent_and_masked", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, api_key = "sk-sekrit-123" })
  local base = "http://127.0.0.1:" .. s:port()
  assert.equal(http.request { url = base .. "/v1/models", api_key = "sk-sekrit-123" }.status, 200)
  assert.equal(http.request { url = base .. "/v1/models", api_key = false }.status, 401)
  local _, err = http.request { url = "http://u:sk-sekrit-123@127.0.0.1:1/x", api_key = "sk-sekrit-123" }
  assert.falsy(err:find("sekrit", 1, true), err)
  assert.equal(http.mask("key sk-sekrit-123 here", "sk-sekrit-123"), "key *** here")
end)

omni.test("api_key_from_environment", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, api_key = "env-key-42" })
  local script = os.tmpname()
  local f = assert.not_nil(io.open(script, "w"))
  f:write('local r = require("omni.http").request{ url = arg[1] }\nio.write(r.status)\n')
  f:close()
  local exe = require("omni.core.host").exe
  local r = require("omni.proc").run({ exe, "lua", script, "http://127.0.0.1:" .. s:port() .. "/v1/models" },
    { env = { OPENAI_API_KEY = "env-key-42" }, timeout = 20 })
  os.remove(script)
  assert.not_nil(r)
  assert.equal(r.stdout, "200", r.stderr)
end)

omni.test("bad_arguments_raise", { marks = { "cpu" } }, function()
  assert.raises(function() http.request("http://x") end, "table expected")
  assert.raises(function() http.request { url = 1 } end, "bad option 'url'")
  assert.raises(function() http.stream { url = "http://x", events = "all" } end, "bad option 'events'")
  assert.raises(function() http.request { url = "http://x", timeout = -1 } end, "bad option 'timeout'")
  assert.raises(function() http.batch({}, { concurrency = 0 }) end, "concurrency")
  assert.raises(function() http.request { url = "http://x", headers = { ["a"] = "b\r\nc: d" } } end, "line break")
end)
