-- Abnormal chat inputs get an OpenAI-style 4xx, never a 200, and the server
-- stays healthy: empty prompts, enormous bodies (413) and prompts (400, the
-- context length), media that do not decode, unsupported modalities.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local proc = require "omni.proc"
local media = require "omni.media"
local dummy = require "omni.core.dummy"
local cjson = require "cjson"

omni.fixture("server", function()
  local s = assert.not_nil(dummy.start { port = 0, max_model_len = 1000 })
  coroutine.yield({ url = "http://127.0.0.1:" .. s:port(), s = s })
  s:stop()
end)

local function user(content) return { { role = "user", content = content } } end

local function chat(server, body, transport)
  if type(body) == "table" then body.model = body.model or "omni-dummy" end
  local r, err = http.request { url = server.url .. "/v1/chat/completions", method = "POST",
    body = type(body) == "string" and body or cjson.encode(body), headers = { ["Content-Type"] = "application/json" },
    timeout = 30, api_key = false, transport = transport }
  assert.not_nil(r, err)
  return r
end

-- The answer is a JSON error with this status and message, and the server
-- still answers a normal request (on a new connection, as the old one may
-- have been closed).
local function refused(server, r, status, pattern)
  assert.equal(r.status, status, r.body:sub(1, 300))
  local j = cjson.decode(r.body)
  assert.equal(j.error.code, status)
  assert.type(j.error.type, "string")
  if pattern then assert.match(j.error.message, pattern) end
  assert.equal(http.request { url = server.url .. "/health", timeout = 5 }.status, 200)
  local ok = chat(server, { messages = user("still fine?"), modalities = { "text" } })
  assert.equal(ok.status, 200)
end

local function parts(...) return user({ ... }) end
local TEXT = { type = "text", text = "describe it" }

-- by name: the messages are built in the test ("[]" is spliced in: this
-- lua-cjson encodes an empty table as {} and has no array_mt)
local EMPTY = {
  ["empty string"] = function() return user("") end,
  ["only spaces"] = function() return user("   \n\t ") end,
  ["no parts"] = function() return user("EMPTY-ARRAY") end,
  ["empty text part"] = function() return parts({ type = "text", text = "" }) end,
  ["null content"] = function() return { { role = "user", content = cjson.null } } end,
  ["system and user both empty"] = function() return { { role = "system", content = "" }, { role = "user", content = "" } } end,
}

omni.test("empty_prompts_are_400", { params = { case = {
  "empty string", "only spaces", "no parts", "empty text part", "null content", "system and user both empty",
} } }, function(case, server)
  for _, stream in ipairs { false, true } do
    local body = cjson.encode { model = "omni-dummy", messages = EMPTY[case](), stream = stream }
    refused(server, chat(server, (body:gsub('"EMPTY%-ARRAY"', "[]"))), 400,
      "the prompt is empty: the messages hold no text and no media")
  end
end)

omni.test("media_alone_is_a_prompt", {}, function(server)
  local r = chat(server, { messages = parts({ type = "image_url", image_url = { url = media.image { width = 8, height = 8 }.data_url } }),
    modalities = { "text" } })
  assert.equal(r.status, 200)
  assert.contains(cjson.decode(r.body).choices[1].message.content, "square")
end)

omni.test("body_over_the_limit_is_413", {
  params = { transport = { "auto", "curl" } }, timeout = 60,
}, function(transport, server)
  -- 20 MiB (the default cap is 8 MiB): refused from the head, the rest of
  -- the upload drained so that the client reads the answer
  local body = cjson.encode { model = "omni-dummy", messages = user(string.rep("word ", 4 * 1024 * 1024)) }
  refused(server, chat(server, body, transport), 413, "too large")
end)

omni.test("body_limit_is_settable", {}, function()
  local s <close> = assert.not_nil(dummy.start { port = 0, max_body = 2000 })
  local server = { url = "http://127.0.0.1:" .. s:port() }
  refused(server, chat(server, { messages = user(string.rep("a", 2000)) }), 413)
  assert.equal(chat(server, { messages = user(string.rep("a", 1800)), modalities = { "text" } }).status, 200)
end)

omni.test("body_over_the_limit_with_curl_cli", {}, function(server, tmp_path)
  local f = assert.not_nil(io.open(tmp_path .. "/big.json", "wb"))
  f:write(cjson.encode { model = "omni-dummy", messages = user(string.rep("word ", 2 * 1024 * 1024)) })
  f:close()
  local r = proc.run({ "curl", "-sS", "-m", "20", "-o", tmp_path .. "/out", "-w", "%{http_code}",
    server.url .. "/v1/chat/completions", "-H", "Content-Type: application/json", "--data-binary", "@" .. tmp_path .. "/big.json" },
    { timeout = 30 })
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, "413")
  assert.match(io.open(tmp_path .. "/out"):read("a"), '"code":413')
end)

omni.test("prompt_over_the_context_is_400", {}, function(server)
  -- max_model_len 1000: 990 words and an image (64 tokens) are 1054 tokens
  local r = chat(server, { messages = parts({ type = "text", text = string.rep("w ", 990) },
    { type = "image_url", image_url = { url = "data:image/png;base64,AAAA" } }) })
  refused(server, r, 400, "This model's maximum context length is 1000 tokens%. However, your request has 1054 input tokens%.")
  assert.equal(chat(server, { messages = user(string.rep("w ", 1000)), modalities = { "text" } }).status, 200)
end)

omni.test("default_context_is_32768_tokens", {}, function()
  local s <close> = assert.not_nil(dummy.start { port = 0 })
  local server = { url = "http://127.0.0.1:" .. s:port() }
  refused(server, chat(server, { messages = user(string.rep("w ", 32769)) }), 400, "maximum context length is 32768 tokens")
  local models = cjson.decode(http.request { url = server.url .. "/v1/models" }.body)
  assert.equal(models.data[1].max_model_len, 32768)
end)

omni.test("speech_input_over_the_context_is_400", {}, function(server)
  local r = http.request { url = server.url .. "/v1/audio/speech", body = { model = "omni-dummy", input = string.rep("w ", 1001) }, timeout = 10 }
  refused(server, r, 400, "maximum context length is 1000 tokens")
end)

omni.test("media_that_do_not_decode_are_400", { params = { case = {
  { "image bad base64", { type = "image_url", image_url = { url = "data:image/png;base64,!!!not-base64!!!" } },
    "messages%[0%]%.content%[1%]: invalid image_url%.url: .*base64: invalid character '!'" },
  { "image bad length", { type = "image_url", image_url = { url = "data:image/png;base64,AAAAA" } },
    "content%[1%]: invalid image_url%.url: .*not a multiple of 4" },
  { "image no comma", { type = "image_url", image_url = { url = "data:image/png;base64" } },
    "content%[1%]: invalid image_url%.url: data URL: no ','" },
  { "image empty", { type = "image_url", image_url = { url = "data:image/png;base64," } },
    "content%[1%]: invalid image_url%.url: the data URL holds no data" },
  { "image not a URL", { type = "image_url", image_url = { url = "hello" } },
    "content%[1%]: invalid image_url%.url: not a data: or http%(s%):// URL" },
  { "audio bad base64", { type = "input_audio", input_audio = { data = "%%%%", format = "wav" } },
    "content%[1%]: invalid input_audio%.data: base64: invalid character '%%' at offset 0" },
  { "audio empty", { type = "input_audio", input_audio = { data = "", format = "wav" } },
    "content%[1%]: invalid input_audio%.data: no audio data" },
  { "audio_url bad base64", { type = "audio_url", audio_url = { url = "data:audio/wav;base64,AB=C" } },
    "content%[1%]: invalid audio_url%.url: .*'=' at offset 2 is not final padding" },
  { "video bad base64", { type = "video_url", video_url = { url = "data:video/mp4;base64,****" } },
    "content%[1%]: invalid video_url%.url: .*base64" },
} } }, function(case, server)
  refused(server, chat(server, { messages = parts(TEXT, case[2]) }), 400, case[3])
end)

omni.test("valid_media_are_accepted", {}, function(server)
  local r = chat(server, { modalities = { "text" }, messages = parts(TEXT,
    { type = "image_url", image_url = { url = media.image { width = 16, height = 16 }.data_url } },
    { type = "input_audio", input_audio = media.audio { seconds = 0.1, channels = 1 }.input_audio },
    { type = "video_url", video_url = { url = media.video { width = 16, height = 16, frames = 2 }.data_url } },
    { type = "image_url", image_url = { url = "https://example.com/cat.png" } }) })
  assert.equal(r.status, 200, r.body)
end)

omni.test("unsupported_modality_is_400", { params = { modalities = {
  { "smell" }, { "text", "image" }, { 1 },
} } }, function(modalities, server)
  refused(server, chat(server, { messages = user("hi"), modalities = modalities }), 400, "unknown modality")
end)
