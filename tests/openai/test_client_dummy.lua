-- omni.openai against the dummy server: happy paths, and the "bad input"
-- list (500 mid-run, truncated stream, malformed event, enormous line,
-- invalid UTF-8, a server that stalls forever, wrong answers): each a
-- failure with a classified reason, within its time bound.
local omni = require "omni"
local assert = require "omni.assert"
local openai = require "omni.openai"
local server = require "omni.server"
local clock = require "omni.core.clock"

local MARKS = { "core_model", "cpu" }
local ASK = { { role = "user", content = "What is the capital of China?" } }

omni.fixture("dummy", { scope = "module" }, function()
  local s = assert(server.start({ model = "omni-dummy", stage_config = "dummy.yaml" }))
  coroutine.yield(s)
  s:stop()
end)

local function client(s, extra)
  local o = { base_url = s.base_url, run_level = "advanced_model", idle_timeout = 2, timeout = 20 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return openai.new(o)
end

-- Runs fn, which must fail; returns the failure and the seconds it took.
local function failing(fn)
  local t0 = clock.now_ns()
  local ok, err = pcall(fn)
  local took = (clock.now_ns() - t0) / 1e9
  assert.falsy(ok, "expected a failure")
  assert.equal(require("omni.outcome").kind(err), "failure", tostring(err))
  return err, took
end

local function fault(c, spec, stream, n)
  return failing(function()
    c:send_request({ model = "omni-dummy", messages = ASK, stream = stream ~= false,
      extra_body = { dummy_fault = spec } }, { request_num = n or 1 })
  end)
end

omni.test("models_and_happy_paths", { marks = MARKS }, function(dummy)
  local c = client(dummy)
  assert.same(assert(c:models()), { "omni-dummy" })
  for _, stream in ipairs { false, true } do
    local rs = c:send_request({ model = "omni-dummy", messages = ASK, stream = stream, usage = true,
      key_words = { text = { "beijing" } } }, { request_num = 3 })
    assert.equal(#rs, 3)
    for _, r in ipairs(rs) do
      assert.truthy(r.success)
      assert.equal(r.text, "The capital of China is Beijing.")
      assert.near(r.audio_duration, 1.8, 0.01) -- 6 words x 0.3 s in the dummy
      assert.truthy(r.ttft > 0 and r.ttft <= r.e2e_latency)
      assert.equal(r.usage.completion_tokens, 6)
    end
    if stream then assert.equal(#rs[1].chunks, 6 + 4) end -- 6 words, 1.8 s in 0.5 s pieces
  end
end)

omni.test("http_500_is_status_failure", { marks = MARKS }, function(dummy)
  local err, took = fault(client(dummy), "status=500")
  assert.equal(err.check, "status")
  assert.equal(err.code, "HTTP_STATUS")
  assert.match(err.message, "HTTP 500: .*injected HTTP 500")
  assert.truthy(took < 5)
end)

omni.test("500_in_the_middle_of_a_run", { marks = MARKS }, function(dummy)
  -- error_rate 0.5 with a fixed seed: some of the 8 requests fail, the rest pass
  local err = fault(client(dummy), "error_rate=0.5,status=500,seed=7", false, 8)
  local rs = err.responses
  local ok, bad = 0, 0
  for _, r in ipairs(rs) do if r.success then ok = ok + 1 else bad = bad + 1 end end
  assert.truthy(ok > 0 and bad > 0, string.format("%d passed, %d failed", ok, bad))
  assert.match(err.message, "^openai_client: " .. bad .. " of 8 chat requests failed")
  assert.match(err.message, "check 'status' failed %(HTTP_STATUS%)")
end)

omni.test("error_event_mid_stream", { marks = MARKS }, function(dummy)
  local err = fault(client(dummy), "error_after=2")
  assert.equal(err.check, "stream_error")
  assert.match(err.message, "error event 3 in the stream")
end)

omni.test("stream_that_stalls_forever_times_out", { marks = MARKS }, function(dummy)
  local err, took = fault(client(dummy, { idle_timeout = 1 }), "stall_after=2")
  assert.equal(err.check, "timeout")
  assert.equal(err.code, "IDLE_TIMEOUT")
  assert.match(err.message, "after 2 events")
  assert.truthy(took < 5, "took " .. took .. " s")
  -- non-streaming: the total timeout bounds it
  local err2, took2 = failing(function()
    client(dummy, { timeout = 1 }):send_request({ model = "omni-dummy", messages = ASK,
      extra_body = { dummy_fault = "stall_after=0" } })
  end)
  assert.equal(err2.check, "timeout")
  assert.truthy(took2 < 5, "took " .. took2 .. " s")
end)

omni.test("malformed_event_fails_json", { marks = MARKS }, function(dummy)
  local err = fault(client(dummy), "malformed_after=1")
  assert.equal(err.check, "json")
  assert.match(err.message, "chunk 2 is not a JSON object")
end)

omni.test("enormous_line_fails_protocol", { marks = MARKS }, function(dummy)
  local err = fault(client(dummy), "long_line_after=1")
  assert.equal(err.check, "protocol")
  assert.equal(err.code, "BAD_STREAM")
  assert.match(err.message, "longer than")
end)

omni.test("invalid_utf8_fails_protocol", { marks = MARKS }, function(dummy)
  local err = fault(client(dummy), "bad_utf8_after=1")
  assert.equal(err.check, "protocol")
  assert.match(err.message, "invalid UTF%-8")
end)

omni.test("dropped_connection_fails", { marks = MARKS }, function(dummy)
  local err = fault(client(dummy), "drop_after=2")
  assert.contains({ "truncated", "connection" }, err.check)
end)

omni.test("truncated_stream_through_a_cutting_proxy", { marks = MARKS }, function(dummy)
  local faults = require "omni.faults"
  local proxy <close> = assert(faults.proxy { target = "127.0.0.1:" .. dummy.port, drop_after_bytes = 3000 })
  local c = openai.new { base_url = "http://127.0.0.1:" .. proxy.port .. "/v1", idle_timeout = 2, timeout = 10 }
  local err, took = failing(function() c:send_request({ model = "omni-dummy", messages = ASK, stream = true }) end)
  assert.contains({ "truncated", "connection" }, err.check)
  assert.truthy(took < 5)
end)

omni.test("key_words_fail_on_purpose_against_the_dummy", { marks = MARKS }, function(dummy)
  local c = client(dummy)
  local err = failing(function()
    c:send_request({ model = "omni-dummy", messages = ASK, stream = true, key_words = { text = { "paris" } } },
      { request_num = 2 })
  end)
  assert.equal(err.check, "key_words")
  assert.match(err.message, "request 2 of 2: check 'key_words' failed")
  assert.match(err.message, "Beijing")
  -- the same answer passes at core level, where key words are not checked
  c:send_request({ model = "omni-dummy", messages = ASK, key_words = { text = { "paris" } } }, { run_level = "core_model" })
end)

omni.test("missing_audio_and_empty_text_fail", { marks = MARKS }, function(dummy)
  local c = client(dummy)
  local err = failing(function()
    -- validated as text + audio, but the server is told text only
    c:send_request({ model = "omni-dummy", messages = ASK, modalities = { "text", "audio" },
      extra_body = { modalities = { "text" } } })
  end)
  assert.equal(err.check, "audio")
  local err2 = failing(function()
    c:send_request({ model = "omni-dummy", messages = ASK, stream = true, modalities = { "text" },
      extra_body = { modalities = { "audio" } } })
  end)
  assert.equal(err2.check, "text")
end)

omni.test("raise_false_returns_marked_responses", { marks = MARKS }, function(dummy)
  local rs = client(dummy):send_request({ model = "omni-dummy", messages = ASK, key_words = { text = { "paris" } } },
    { request_num = 2, raise = false })
  assert.falsy(rs[1].success)
  assert.match(rs[1].error, "^key_words: none of the text key words")
end)

omni.test("images_and_speech", { marks = MARKS }, function(dummy)
  local c = client(dummy)
  local rs = c:generate_image({ model = "omni-dummy", prompt = "x", size = "40x30" }, { request_num = 2 })
  assert.equal(rs[2].images[1].height, 30)
  local sp = c:speech({ model = "omni-dummy", input = "Four words spoken here." })
  assert.truthy(sp[1].audio_duration > 0)
  local err = failing(function() c:generate_image({ model = "other", prompt = "x" }) end)
  assert.equal(err.check, "status")
  assert.match(err.message, "HTTP 404")
end)

omni.test("bad_arguments_raise", { marks = MARKS }, function(dummy)
  local c = client(dummy)
  assert.raises(function() c:send_request({ messages = ASK }) end, "config.model")
  assert.raises(function() c:send_request({ model = "m", messages = {} }) end, "config.messages")
  assert.raises(function() c:send_request({ model = "m", messages = ASK, modalities = { "video" } }) end, "unknown modality")
  assert.raises(function() c:send_request({ model = "m", messages = ASK }, { request_num = 0 }) end, "request_num")
  assert.raises(function() openai.new { base_url = "localhost:8000" } end, "base_url")
  assert.raises(function() openai.new { base_url = "http://x", run_level = "deep" } end, "run_level")
end)
