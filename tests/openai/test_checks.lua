-- Every check of omni.openai fails on purpose, with its name and the
-- relevant part of the answer, on answers built here (no server needed).
local omni = require "omni"
local assert = require "omni.assert"
local openai = require "omni.openai"
local media = require "omni.media"
local cjson = require "cjson"
local verdict = require "omni.openai.verdict"

local MARKS = { "core_model", "cpu" }
local WAV = media.audio { seconds = 1, channels = 1, sample_rate = 16000, kind = "tone" }.input_audio.data
local TEXT = "The capital of China is Beijing."

local function chunk(content, opts)
  opts = opts or {}
  local doc = { id = "c", object = opts.object or "chat.completion.chunk", created = 1, model = "m",
    choices = { { index = 0, delta = { content = content }, finish_reason = opts.finish or cjson.null } },
    modality = opts.modality }
  if opts.usage then doc.choices, doc.usage = {}, opts.usage end
  return cjson.encode(doc)
end

-- An http stream result from event data strings.
local function stream(datas)
  local evs = {}
  for i, d in ipairs(datas) do evs[i] = { data = d, t_ns = 1000 + i } end
  evs[#evs + 1] = { data = "[DONE]", t_ns = 2000 }
  return { ok = true, status = 200, events = evs, t_start_ns = 1000, t_end_ns = 3000 }
end

local function good_stream(extra)
  local t = { chunk("The capital", {}), chunk(" of China is Beijing.", { finish = "stop" }),
    chunk(WAV, { modality = "audio", finish = "stop" }) }
  for _, e in ipairs(extra or {}) do t[#t + 1] = e end
  return stream(t)
end

local function body(doc) return { ok = true, status = 200, body = cjson.encode(doc), t_start_ns = 0, t_end_ns = 5e6 } end

local function good_body(opts)
  opts = opts or {}
  return body({ object = "chat.completion", choices = {
    { index = 0, message = { role = "assistant", content = opts.text or TEXT }, finish_reason = "stop" },
    { index = 1, message = { role = "assistant", content = cjson.null,
      audio = { data = opts.audio or WAV, transcript = opts.transcript } }, finish_reason = "stop" } },
    usage = opts.usage or { prompt_tokens = 3, completion_tokens = 6, total_tokens = 9 } })
end

local function check(res, cfg, level, is_stream)
  cfg = cfg or {}
  cfg.modalities = cfg.modalities or { "text", "audio" }
  return openai.chat_response(1, res, cfg, level or "core_model", is_stream)
end

local function only_failure(resp, name, pattern)
  assert.equal(#resp.failures, 1, "failures: " .. cjson.encode(resp.failures))
  assert.equal(resp.failures[1].check, name)
  if pattern then assert.match(resp.failures[1].message, pattern) end
end

omni.test("good_answers_pass", { marks = MARKS }, function()
  local r = check(good_stream(), nil, "advanced_model", true)
  assert.same(r.failures, {})
  assert.equal(r.text, TEXT)
  assert.near(r.audio_duration, 1.0, 0.001)
  assert.equal(#r.chunks, 3)
  assert.near(r.ttft, 1e-9, 1e-12) -- first chunk at t_ns 1001, sent at 1000
  local b = check(good_body({ transcript = TEXT }), { usage = true }, "advanced_model", false)
  assert.same(b.failures, {})
  assert.equal(b.similarity, 1)
end)

omni.test("malformed_chunk_fails_json", { marks = MARKS }, function()
  local res = good_stream({ '{"id":"broken","choices":[{"delta":{"content":"x"' })
  only_failure(check(res, nil, nil, true), "json", "chunk 4 is not a JSON object")
end)

omni.test("wrong_object_and_modality_fail_json", { marks = MARKS }, function()
  only_failure(check(stream({ chunk(TEXT, { object = "chat.completion", finish = "stop" }) }), { modalities = { "text" } }, nil, true),
    "json", "'object' is \"chat.completion\"")
  only_failure(check(stream({ chunk(TEXT, { modality = "video", finish = "stop" }) }), { modalities = { "text" } }, nil, true),
    "json", "unknown modality")
  only_failure(check(body({ object = "chat.completion", choices = {} }), nil, nil, false), "json", "non%-empty list")
  only_failure(check({ ok = true, status = 200, body = "<html>", t_start_ns = 0, t_end_ns = 1 }, nil, nil, false),
    "json", "not a JSON object")
end)

omni.test("missing_or_unknown_finish_reason_fails", { marks = MARKS }, function()
  only_failure(check(stream({ chunk(TEXT) }), { modalities = { "text" } }, nil, true), "finish_reason", "no choice ended")
  only_failure(check(stream({ chunk(TEXT, { finish = "exploded" }) }), { modalities = { "text" } }, nil, true),
    "finish_reason", "unknown finish_reason \"exploded\"")
end)

omni.test("usage_checked_only_when_asked", { marks = MARKS }, function()
  assert.same(check(good_stream(), nil, nil, true).failures, {})
  only_failure(check(good_stream(), { usage = true }, nil, true), "usage", "has none")
  local bad = good_stream({ chunk(nil, { usage = { prompt_tokens = 3, completion_tokens = 6, total_tokens = 10 } }) })
  only_failure(check(bad, { usage = true }, nil, true), "usage", "~= total_tokens 10")
  local good = good_stream({ chunk(nil, { usage = { prompt_tokens = 3, completion_tokens = 6, total_tokens = 9 } }) })
  assert.same(check(good, { usage = true }, nil, true).failures, {})
end)

omni.test("empty_text_fails_when_text_asked", { marks = MARKS }, function()
  only_failure(check(good_body({ text = "  " }), nil, nil, false), "text", "text answer is empty")
  assert.same(check(good_body({ text = "  " }), { modalities = { "audio" } }, nil, false).failures, {})
end)

omni.test("audio_missing_or_broken_fails", { marks = MARKS }, function()
  only_failure(check(stream({ chunk(TEXT, { finish = "stop" }) }), nil, nil, true), "audio", "has none")
  only_failure(check(good_body({ audio = "not base64!" }), nil, nil, false), "audio", "piece 1 is not valid base64")
  only_failure(check(good_body({ audio = media.base64_encode("RIFF....WAVEjunk") }), nil, nil, false), "audio",
    "piece 1 is not a valid WAV")
  local silent = media.audio { seconds = 1, kind = "silence" }.input_audio.data
  local empty = media.base64_encode(media.base64_decode(silent):sub(1, 44)
    :gsub("^(RIFF)....", function(r) return r .. string.pack("<I4", 36) end)
    :gsub("(data)....$", function(d) return d .. string.pack("<I4", 0) end))
  only_failure(check(good_body({ audio = empty }), nil, nil, false), "audio", "lasts 0 s")
end)

omni.test("audio_pieces_join_and_data_prefix_is_stripped", { marks = MARKS }, function()
  local res = stream({ chunk(TEXT, { finish = "stop" }), chunk("data:audio/wav;base64," .. WAV, { modality = "audio" }),
    chunk(WAV, { modality = "audio", finish = "stop" }) })
  local r = check(res, nil, nil, true)
  assert.same(r.failures, {})
  assert.near(r.audio_duration, 2.0, 0.001)
  assert.near(media.decode_wav(r.audio_bytes).duration, 2.0, 0.001)
end)

omni.test("key_words_checked_only_at_advanced_level", { marks = MARKS }, function()
  local cfg = { key_words = { text = { "paris", "lyon" }, image = { "square" } } }
  assert.same(check(good_stream(), cfg, "core_model", true).failures, {})
  local r = check(good_stream(), cfg, "advanced_model", true)
  assert.equal(#r.failures, 2)
  assert.equal(r.failures[1].check, "key_words")
  assert.match(r.failures[1].message, 'image key words %["square"%]')
  assert.match(r.failures[2].message, 'text key words %["paris", "lyon"%] appear in the text answer')
  assert.match(r.failures[2].message, "Beijing")
  assert.same(check(good_stream(), { key_words = { text = { "BEIJING" } } }, "advanced_model", true).failures, {})
end)

omni.test("key_words_use_transcript_without_text", { marks = MARKS }, function()
  local cfg = { modalities = { "audio" }, key_words = { text = { "beijing" } } }
  assert.same(check(good_body({ transcript = TEXT }), cfg, "advanced_model", false).failures, {})
  cfg.key_words = { text = { "tokyo" } }
  only_failure(check(good_body({ transcript = TEXT }), cfg, "advanced_model", false), "key_words", "the audio transcript")
  cfg.key_words = { text = { "beijing" } }
  only_failure(check(good_body(), cfg, "advanced_model", false), "key_words", "cannot be checked")
end)

omni.test("similarity_and_audio_duration_fail_on_purpose", { marks = MARKS }, function()
  only_failure(check(good_body({ transcript = "Something else entirely, about cats." }), nil, "advanced_model", false),
    "similarity", "text and audio transcript differ")
  -- 1 s of audio for 300 characters is too short to be speech of it
  local long = string.rep("word ", 60)
  only_failure(check(good_body({ text = long, transcript = long }), nil, "advanced_model", false),
    "audio_duration", "1.000 s of audio for 300 characters")
  assert.same(check(good_body({ text = long, transcript = long }), nil, "core_model", false).failures, {})
end)

omni.test("transport_failures_are_classified", { marks = MARKS }, function()
  local cases = { HTTP_STATUS = "status", STREAM_ERROR = "stream_error", IDLE_TIMEOUT = "timeout",
    TRUNCATED = "truncated", BAD_STREAM = "protocol", ECONNREFUSED = "connection", TOO_LARGE = "size" }
  for code, name in pairs(cases) do
    local r = check({ ok = false, err = "POST x: " .. code, code = code, partial = { events = { { data = "{}", t_ns = 1 } } } },
      nil, nil, true)
    only_failure(r, name, "after 1 events")
    assert.equal(r.failures[1].code, code)
  end
  only_failure(check({ ok = true, status = 503, body = '{"error":"busy"}', t_start_ns = 0, t_end_ns = 1 }, nil, nil, false),
    "status", "HTTP 503")
end)

omni.test("verdict_names_check_request_and_trims_blobs", { marks = MARKS }, function()
  local rs = {}
  for i = 1, 3 do
    rs[i] = check(i == 2 and good_body({ text = "" }) or good_body(), nil, nil, false)
    rs[i].index = i
  end
  rs[3].failures[1] = { check = "status", message = "HTTP 500: " .. string.rep("QUJD", 100), code = "HTTP_STATUS" }
  local ok, err = pcall(verdict.conclude, rs, { who = "openai_client", kind = "chat", model = "m", level = "core_model", raise = true })
  assert.falsy(ok)
  assert.equal(require("omni.outcome").kind(err), "failure")
  assert.match(err.message, "^openai_client: 2 of 3 chat requests failed")
  assert.match(err.message, "request 2 of 3: check 'text' failed")
  assert.match(err.message, "request 3 of 3: check 'status' failed %(HTTP_STATUS%)")
  assert.equal(err.check, "text")
  assert.equal(err.request, 2)
  assert.falsy(rs[2].success)
  assert.truthy(rs[1].success)
  assert.match(require("omni.openai.excerpt").trim(string.rep("QUJD", 100)), "^<400 base64 chars>$")
end)

omni.test("image_checks_fail_on_purpose", { marks = MARKS }, function()
  local checks = require "omni.openai.checks"
  local png = media.image { width = 32, height = 16, format = "png" }.base64
  local function run(doc, cfg, level)
    local r = { failures = {}, notes = {}, body = type(doc) == "string" and doc or cjson.encode(doc) }
    checks.images(r, cfg, level)
    return r
  end
  assert.same(run({ data = { { b64_json = png } } }, { size = "32x16" }, "advanced_model").failures, {})
  only_failure(run({ data = { { b64_json = png } } }, { size = "64x64" }, "advanced_model"), "image_size", "32x16, 64x64 was asked")
  assert.same(run({ data = { { b64_json = png } } }, { size = "64x64" }, "core_model").failures, {})
  only_failure(run({ data = { { b64_json = "@@" } } }, {}, "core_model"), "image", "not valid base64")
  only_failure(run({ data = { { b64_json = png } } }, { n = 2 }, "core_model"), "json", "2 images asked for, 1")
  only_failure(run("nope", {}, "core_model"), "json", "'data' list")
end)

omni.test("speech_checks_fail_on_purpose", { marks = MARKS }, function()
  local checks = require "omni.openai.checks"
  local wav = media.base64_decode(WAV)
  local function run(b, input, level)
    local r = { failures = {}, notes = {}, body = b }
    checks.speech(r, { input = input }, level)
    return r
  end
  assert.same(run(wav, "Hello there, friend.", "advanced_model").failures, {})
  only_failure(run("MP3?", "hi", "core_model"), "audio", "not a valid WAV")
  only_failure(run(wav, string.rep("long text ", 40), "advanced_model"), "audio_duration", "for 400 characters")
end)
