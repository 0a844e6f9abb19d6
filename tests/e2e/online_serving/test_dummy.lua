-- L2: online serving against the built-in dummy model (`omnilua serve-dummy`,
-- CPU only). Basic checks: protocol, JSON shape, finish reason, non-empty
-- text, audio that decodes. `--run-level advanced_model` deepens them.
local omni = require "omni"
local media = require "omni.media"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/online_serving"
local mix = dofile(HERE .. "/../mix_inputs.lua")

local servers = { { model = "omni-dummy", stage_config = "dummy.yaml" } }
local MARKS = { "core_model" }

local function user(content) return { { role = "user", content = content } } end

omni.test("text_to_text_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Text question, text answer, one JSON body.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text
    Input Setting: stream=False
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, messages = user("What is the capital of China?"),
    modalities = { "text" }, usage = true,
  }, { request_num = 1 })
end)

omni.test("text_to_text_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Text question, text and audio answer streamed as SSE chunks.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: stream=True
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, messages = user("What is the capital of China?"), stream = true, usage = true,
  }, { request_num = 1 })
end)

omni.test("image_to_text_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    An image and a question about it, text answer.
    Deploy Setting: default yaml
    Input Modal: text + image
    Output Modal: text
    Input Setting: stream=False
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, modalities = { "text" },
    messages = user({
      { type = "image_url", image_url = { url = media.image { width = 224, height = 224 }.data_url } },
      { type = "text", text = "Describe the image." },
    }),
  })
end)

omni.test("audio_to_text_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    A sound clip (input_audio part) and a question, text and audio streamed.
    Deploy Setting: default yaml
    Input Modal: text + audio
    Output Modal: text + audio
    Input Setting: stream=True
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, stream = true,
    messages = user({
      { type = "input_audio", input_audio = media.audio { seconds = 2, channels = 1 }.input_audio },
      { type = "text", text = "What do you hear?" },
    }),
  })
end)

omni.test("video_to_text_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    A short video and a question, text streamed.
    Deploy Setting: default yaml
    Input Modal: text + video
    Output Modal: text
    Input Setting: stream=True
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, stream = true, modalities = { "text" },
    messages = user({
      { type = "video_url", video_url = { url = media.video { width = 112, height = 112, frames = 30 }.data_url } },
      { type = "text", text = "What moves in the video?" },
    }),
  })
end)

omni.test("mix_to_text_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Every input modality in one message (the spec's example case).
    Deploy Setting: default yaml
    Input Modal: text + audio + video + image
    Output Modal: text + audio
    Input Setting: stream=True
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, stream = true,
    messages = user(mix.content("What is the capital of China? Describe the media.")),
    key_words = mix.KEY_WORDS,
  }, { request_num = 1 })
end)

omni.test("text_to_text_audio_002", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Concurrency: four non-streaming requests at once, each checked.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: stream=False
    Datasets: 4 concurrent requests ]],
}, function(omni_server, openai_client)
  local responses = openai_client:send_request({
    model = omni_server.model, messages = user("What is the capital of France?"),
  }, { request_num = 4 })
  require("omni.assert").equal(#responses, 4)
end)

omni.test("text_to_image_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Image generation (/v1/images/generations), base64 PNG.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: image
    Input Setting: stream=False, size=64x48
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:generate_image({ model = omni_server.model, prompt = "a red square", size = "64x48" })
end)

omni.test("text_to_speech_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Speech (/v1/audio/speech), a WAV answer.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: audio
    Input Setting: stream=False, response_format=wav
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:speech({ model = omni_server.model, input = "Hello from the test suite." })
end)
