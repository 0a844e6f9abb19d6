-- The dummy omni server, in-process (omni.core.dummy on a thread, stopped by
-- the fixture): protocol shape, answers, media, errors, faults, latency.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local media = require "omni.media"
local dummy = require "omni.core.dummy"
local clock = require "omni.core.clock"
local cjson = require "cjson"

omni.fixture("server", function()
  local s = assert.not_nil(dummy.start { port = 0 })
  coroutine.yield({ url = "http://127.0.0.1:" .. s:port(), s = s })
  s:stop()
end)

local function user(content) return { { role = "user", content = content } } end

local function post(server, path, body, headers)
  local h = headers or {}
  local r, err = http.request { url = server.url .. path, body = body, headers = h, timeout = 20 }
  assert.not_nil(r, err)
  return r, r.headers["content-type"] == "application/json" and cjson.decode(r.body) or nil
end

local function stream(server, body, headers)
  body.stream = true
  local r, err = http.stream { url = server.url .. "/v1/chat/completions", body = body, headers = headers, json = true, timeout = 20 }
  assert.not_nil(r, err)
  return r
end

local function text_of(events, modality)
  local t = {}
  for _, ev in ipairs(events) do
    local j = ev.json
    if j and j.choices and j.choices[1] and (j.modality or "text") == modality then
      t[#t + 1] = j.choices[1].delta.content or ""
    end
  end
  return t
end

omni.test("health_and_models", { marks = { "cpu" } }, function(server)
  assert.equal(http.request { url = server.url .. "/health" }.status, 200)
  local _, j = post(server, "/v1/models")
  assert.equal(j.object, "list")
  assert.equal(j.data[1].id, "omni-dummy")
end)

omni.test("chat_non_stream_text_and_audio", { marks = { "cpu" } }, function(server)
  local r, j = post(server, "/v1/chat/completions", { model = "omni-dummy", messages = user("What is the capital of China?") })
  assert.equal(r.status, 200)
  assert.equal(j.object, "chat.completion")
  assert.equal(j.choices[1].message.content, "The capital of China is Beijing.")
  assert.equal(j.choices[1].finish_reason, "stop")
  local wav = assert.not_nil(media.base64_decode(j.choices[2].message.audio.data))
  local info = assert.not_nil(media.decode_wav(wav))
  assert.near(info.duration, 6 * 0.3, 0.01) -- 6 words, 0.3 s each
  assert.equal(j.usage.prompt_tokens, 6)
  assert.equal(j.usage.completion_tokens, 6)
  assert.equal(j.usage.total_tokens, 12)
end)

omni.test("chat_stream_format", { marks = { "cpu" } }, function(server)
  local r = stream(server, { model = "omni-dummy", messages = user("hello there"), stream_options = { include_usage = true } })
  local ev = r.events
  assert.equal(ev[#ev].data, "[DONE]")
  local usage = ev[#ev - 1].json
  assert.same(usage.choices, {})
  local text = text_of(ev, "text")
  assert.equal(table.concat(text), "Hello! I am the omnilua dummy model.")
  assert.equal(usage.usage.completion_tokens, #text)
  assert.equal(ev[1].json.object, "chat.completion.chunk")
  assert.equal(ev[1].json.choices[1].delta.role, "assistant")
  assert.equal(ev[1].json.modality, "text")
  -- audio pieces follow the text; each decodes as a WAV on its own
  local audio = text_of(ev, "audio")
  assert.truthy(#audio >= 1)
  local total = 0
  for _, b64 in ipairs(audio) do
    total = total + assert.not_nil(media.decode_wav(assert.not_nil(media.base64_decode(b64)))).duration
  end
  assert.near(total, #text * 0.3, 0.01)
  -- finish_reason "stop" on the last chunk of each modality, null elsewhere
  local stops = 0
  for _, e in ipairs(ev) do
    if e.json and e.json.choices[1] and e.json.choices[1].finish_reason == "stop" then stops = stops + 1 end
  end
  assert.equal(stops, 2)
end)

omni.test("modalities_and_lengths", { marks = { "cpu" } }, function(server)
  local r = stream(server, { model = "omni-dummy", messages = user("hi"), modalities = { "text" }, max_tokens = 3, ignore_eos = true })
  assert.equal(#text_of(r.events, "audio"), 0)
  assert.equal(#text_of(r.events, "text"), 3)
  local forced = stream(server, { model = "omni-dummy", messages = user("hi"), modalities = { "text" } }, { ["x-dummy-fault"] = "output_tokens=40" })
  assert.equal(#text_of(forced.events, "text"), 40)
  local capped = stream(server, { model = "omni-dummy", messages = user("What is the capital of China?"), modalities = { "text" }, max_tokens = 2 })
  assert.equal(table.concat(text_of(capped.events, "text")), "The capital")
end)

omni.test("answers_reflect_the_prompt", { marks = { "cpu" } }, function(server)
  local _, j = post(server, "/v1/chat/completions", { model = "omni-dummy", modalities = { "text" }, messages = user {
    { type = "video_url", video_url = { url = "data:video/mp4;base64,AAAA" } },
    { type = "image_url", image_url = { url = "data:image/png;base64,AAAA" } },
    { type = "input_audio", input_audio = { data = "AAAA", format = "wav" } },
    { type = "text", text = "What is the capital of China? Describe the media." },
  } })
  local text = j.choices[1].message.content:lower()
  for _, w in ipairs { "beijing", "square", "sphere", "round", "water", "cricket" } do assert.contains(text, w) end
  assert.equal(j.usage.prompt_tokens, 9 + 64 + 256 + 100)
  local _, other = post(server, "/v1/chat/completions", { model = "omni-dummy", modalities = { "text" }, messages = user("Tell me about volcanoes and glaciers") })
  local t2 = other.choices[1].message.content:lower()
  assert.contains(t2, "volcanoes")
  assert.contains(t2, "glaciers")
  assert.falsy(t2:find("beijing"), "no fact matched: no Beijing")
  local _, again = post(server, "/v1/chat/completions", { model = "omni-dummy", modalities = { "text" }, messages = user("Tell me about volcanoes and glaciers") })
  assert.equal(again.choices[1].message.content, other.choices[1].message.content, "deterministic")
end)

omni.test("bad_requests_get_openai_errors", {
  marks = { "cpu" },
  params = { case = {
    { "POST", "/v1/chat/completions", "application/json", "{", 400, "malformed JSON at byte 2" },
    { "POST", "/v1/chat/completions", "application/json", '{"messages":[]}', 400, "missing required field 'model'" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":"omni-dummy"}', 400, "missing required field 'messages'" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":1,"messages":[]}', 400, "'model' must be a string" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":"omni-dummy","messages":"hi"}', 400, "'messages' must be a non%-empty array" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":"omni-dummy","messages":[{"role":"user","content":[{"type":"bogus"}]}]}', 400, "unknown part type 'bogus'" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":"omni-dummy","stream":"yes","messages":[{"role":"user","content":"x"}]}', 400, "'stream' must be a boolean" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":"omni-dummy","dummy_fault":"nope=1","messages":[{"role":"user","content":"x"}]}', 400, "unknown dummy setting 'nope'" },
    { "POST", "/v1/chat/completions", "application/json", '{"model":"gpt-9","messages":[{"role":"user","content":"x"}]}', 404, "The model `gpt%-9` does not exist" },
    { "POST", "/v1/chat/completions", "text/plain", "{}", 415, "Content%-Type must be application/json" },
    { "GET", "/v1/chat/completions", nil, nil, 405, "does not accept GET" },
    { "GET", "/v2/nothing", nil, nil, 404, "no route GET /v2/nothing" },
    { "POST", "/v1/images/generations", "application/json", '{"prompt":"x","size":"big"}', 400, "'size' must be" },
    { "POST", "/v1/audio/speech", "application/json", '{"model":"omni-dummy"}', 400, "missing field 'input'" },
  } },
}, function(server, case)
  local method, path, ctype, body, status, pattern = table.unpack(case)
  local r = assert.not_nil(http.request { url = server.url .. path, method = method, body = body,
    headers = ctype and { ["Content-Type"] = ctype } or nil })
  assert.equal(r.status, status)
  local e = cjson.decode(r.body).error
  assert.match(e.message, pattern)
  assert.equal(e.code, status)
  assert.type(e.type, "string")
end)

omni.test("image_generation", { marks = { "cpu" } }, function(server)
  local _, j = post(server, "/v1/images/generations", { prompt = "a red square", size = "64x48", n = 2 })
  assert.equal(#j.data, 2)
  local info = assert.not_nil(media.decode_image(assert.not_nil(media.base64_decode(j.data[1].b64_json))))
  assert.equal(info.format, "png")
  assert.equal(info.width, 64)
  assert.equal(info.height, 48)
  local _, jj = post(server, "/v1/images/generations", { prompt = "x", size = "32x32", output_format = "jpeg" })
  assert.equal(assert.not_nil(media.decode_image(media.base64_decode(jj.data[1].b64_json))).format, "jpeg")
  assert.truthy(j.data[1].b64_json ~= j.data[2].b64_json, "each image has its own seed")
  -- Edge sizes go through the media module's checks and drawing too.
  for _, size in ipairs { "1x1", "1x300", "300x2" } do
    local _, e = post(server, "/v1/images/generations", { prompt = "x", size = size })
    local img = assert.not_nil(media.decode_image(media.base64_decode(e.data[1].b64_json)), size)
    assert.equal(img.width .. "x" .. img.height, size)
  end
end)

omni.test("speech", { marks = { "cpu" } }, function(server)
  local r = post(server, "/v1/audio/speech", { model = "omni-dummy", input = "one two three four", voice = "x" })
  assert.equal(r.headers["content-type"], "audio/wav")
  assert.near(assert.not_nil(media.decode_wav(r.body)).duration, 1.2, 0.01)
end)

omni.test("latency_profile_paces_chunks", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, ttft_ms = 50, itl_ms = 20, audio = false, output_tokens = 6 })
  local t0 = clock.now_ns()
  local r, err = http.request { url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions",
    body = { model = "omni-dummy", messages = user("x") } }
  assert.not_nil(r, err)
  local ms = (clock.now_ns() - t0) / 1e6
  assert.truthy(ms >= 150 and ms < 1500, "non-stream waits ttft + 5 itl: " .. ms) -- 50 + 5 * 20
  local st = assert.not_nil(http.stream { url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions",
    body = { model = "omni-dummy", messages = user("x"), stream = true } })
  local ttft = (st.events[1].t_ns - st.t_start_ns) / 1e6
  local itl = (st.events[6].t_ns - st.events[1].t_ns) / 5e6
  assert.truthy(ttft >= 49 and ttft < 500, "ttft " .. ttft)
  assert.truthy(itl >= 19 and itl < 200, "itl " .. itl)
end)

omni.test("error_rate_is_seeded", { marks = { "cpu" } }, function()
  local function statuses()
    local s <close> = assert.not_nil(dummy.start { port = 0, fault = "error_rate=0.5", seed = 7 })
    local reqs = {}
    for i = 1, 30 do
      reqs[i] = { url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions",
        body = { model = "omni-dummy", modalities = { "text" }, messages = user("x") } }
    end
    local out = {}
    for i, r in ipairs(http.batch(reqs, { concurrency = 1 })) do out[i] = r.status end
    return out
  end
  local a, b = statuses(), statuses()
  assert.same(a, b)
  local n500 = 0
  for _, st in ipairs(a) do if st == 500 then n500 = n500 + 1 end end
  assert.truthy(n500 > 3 and n500 < 27, n500 .. " errors of 30")
end)

omni.test("many_concurrent_streams", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, audio = false, output_tokens = 20, itl_ms = 1 })
  local reqs = {}
  for i = 1, 300 do
    reqs[i] = { url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions", stream = true, events = "times",
      body = { model = "omni-dummy", stream = true, messages = user("x") }, timeout = 60 }
  end
  local res = http.batch(reqs, { concurrency = 300 })
  for i, r in ipairs(res) do
    assert.truthy(r.ok, r.err)
    assert.equal(#r.event_times, 21, "request " .. i)
  end
end)

omni.test("bad_options_raise", { marks = { "cpu" } }, function()
  assert.raises(function() dummy.start { port = 70000 } end, "port must be in")
  assert.raises(function() dummy.start { fault = "stall_after=x" } end, "bad value for dummy setting stall_after")
  local s = dummy.start { port = 0 }
  s:stop()
  s:stop() -- twice is harmless
  assert.raises(function() s:port() end, "attempt to use a stopped server")
end)

omni.test("port_taken", { marks = { "cpu" } }, function(server)
  local s, err, code = dummy.start { port = server.s:port() }
  assert.is_nil(s)
  assert.equal(code, "EADDRINUSE")
  assert.match(err, "the port is taken")
end)

-- Regression: with itl 0 a burst of big audio chunks fills the output buffer;
-- when the socket takes it all at once the stream must still go on.
omni.test("itl_zero_streams_with_audio_complete", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, output_tokens = 40 })
  local reqs = {}
  for i = 1, 40 do
    reqs[i] = { url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions", stream = true, events = "times",
      body = { model = "omni-dummy", stream = true, messages = user("x") }, timeout = 60, idle_timeout = 10 }
  end
  for i, r in ipairs(http.batch(reqs, { concurrency = 40 })) do
    assert.truthy(r.ok, r.err)
    assert.equal(#r.event_times, 40 + 24 + 1, "request " .. i) -- 40 text, 12 s of audio in 0.5 s pieces, [DONE]
  end
end)

-- drop_after=N: exactly N chunks arrive, then the connection closes without
-- the terminating chunk; also when the chunks go out in one burst (itl 0),
-- where the drop used to close before anything was sent.
omni.test("drop_after_sends_exactly_n_chunks", { marks = { "cpu" }, params = { itl_ms = { 0, 2 }, n = { 1, 3 } } },
  function(itl_ms, n)
    local s <close> = assert.not_nil(dummy.start { port = 0, ttft_ms = 0, itl_ms = itl_ms, audio = false })
    for _, transport in ipairs { "auto", "curl" } do
      local r, err, code, partial = http.stream {
        url = "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions", transport = transport, timeout = 10,
        headers = { ["x-dummy-fault"] = "drop_after=" .. n },
        body = { model = "omni-dummy", stream = true, messages = user("What is the capital of China?") } }
      assert.is_nil(r)
      assert.equal(code, "TRUNCATED", err)
      assert.equal(partial.status, 200)
      assert.equal(#partial.events, n, transport)
      for _, ev in ipairs(partial.events) do assert.match(ev.data, '"chat.completion.chunk"') end
    end
  end)

omni.test("drop_after_0_closes_without_answering", { marks = { "cpu" } }, function(server)
  local _, err, code = http.stream { url = server.url .. "/v1/chat/completions", timeout = 10,
    headers = { ["x-dummy-fault"] = "drop_after=0" },
    body = { model = "omni-dummy", stream = true, messages = user("hi") } }
  assert.equal(code, "ECONNRESET", err)
end)
