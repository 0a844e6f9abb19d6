-- L3/L4: online serving against the dummy model with deep validation
-- (`-m advanced_model --run-level advanced_model`): key words per input
-- modality, text/transcript similarity, audio length plausible for its text,
-- decoded images of the requested size, concurrency. The dummy's answers are
-- deterministic and reflect the prompt (docs/reference/dummy-server.md), so
-- every key word below is expected to be found.
local omni = require "omni"
local media = require "omni.media"
local assert = require "omni.assert"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/online_serving"
local mix = dofile(HERE .. "/../mix_inputs.lua")

local servers = { { model = "omni-dummy", stage_config = "dummy.yaml" } }
local MARKS = { "advanced_model" }

local function user(content) return { { role = "user", content = content } } end

omni.test("text_to_text_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    A factual question: the answer names the capital, in text and in audio.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: stream=False
    Datasets: single request ]],
}, function(omni_server, openai_client)
  local r = openai_client:send_request({
    model = omni_server.model, messages = user("What is the capital of China?"), usage = true,
    key_words = { text = { "beijing" } },
  })[1]
  assert.truthy(r.audio_duration > 0)
  assert.truthy(r.similarity and r.similarity > 0.9, "text and transcript should agree")
end)

omni.test("text_to_text_audio_002", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    The same question streamed, eight requests at once.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: stream=True
    Datasets: 8 concurrent requests ]],
}, function(omni_server, openai_client)
  local rs = openai_client:send_request({
    model = omni_server.model, messages = user("What is the capital of Japan?"), stream = true, usage = true,
    key_words = { text = { "tokyo" } },
  }, { request_num = 8 })
  assert.equal(#rs, 8)
  for _, r in ipairs(rs) do assert.truthy(r.ttft <= r.e2e_latency) end
end)

omni.test("image_to_text_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    The description of an image of squares mentions squares.
    Deploy Setting: default yaml
    Input Modal: text + image
    Output Modal: text
    Input Setting: stream=True
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, stream = true, modalities = { "text" },
    messages = user({
      { type = "image_url", image_url = { url = media.image { width = 224, height = 224 }.data_url } },
      { type = "text", text = "Describe the image." },
    }),
    key_words = { image = { "square", "quadrate" } },
  })
end)

omni.test("audio_to_text_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    A rain sound: the answer speaks of water, in text and in audio.
    Deploy Setting: default yaml
    Input Modal: text + audio
    Output Modal: text + audio
    Input Setting: stream=False
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model,
    messages = user({
      { type = "input_audio", input_audio = media.audio { seconds = 5, channels = 1 }.input_audio },
      { type = "text", text = "What do you hear?" },
    }),
    key_words = { audio = { "water", "cricket" } },
  })
end)

omni.test("audio_to_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Audio only out: key words are looked for in the audio transcript.
    Deploy Setting: default yaml
    Input Modal: text + audio
    Output Modal: audio
    Input Setting: stream=False, modalities=audio
    Datasets: single request ]],
}, function(omni_server, openai_client)
  local r = openai_client:send_request({
    model = omni_server.model, modalities = { "audio" },
    messages = user({
      { type = "input_audio", input_audio = media.audio { seconds = 3, channels = 1 }.input_audio },
      { type = "text", text = "What do you hear?" },
    }),
    key_words = { audio = { "water", "rain" } },
  })[1]
  assert.not_nil(r.transcript)
end)

omni.test("video_to_text_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Bouncing balls: the description says round or sphere.
    Deploy Setting: default yaml
    Input Modal: text + video
    Output Modal: text
    Input Setting: stream=True
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model, stream = true, modalities = { "text" },
    messages = user({
      { type = "video_url", video_url = { url = media.video { width = 224, height = 224, frames = 60 }.data_url } },
      { type = "text", text = "What moves in the video?" },
    }),
    key_words = { video = { "sphere", "globe", "circle", "round" } },
  })
end)

omni.test("mix_to_text_audio_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Every input modality; the key words of each must be found (spec example).
    Deploy Setting: default yaml
    Input Modal: text + audio + video + image
    Output Modal: text + audio
    Input Setting: stream=False
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:send_request({
    model = omni_server.model,
    messages = user(mix.content("What is the capital of China? Describe the media.")),
    key_words = mix.KEY_WORDS,
  }, { request_num = 2 })
end)

omni.test("text_to_image_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Generated images decode and have the requested size.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: image
    Input Setting: size=96x64, n=2
    Datasets: 2 concurrent requests ]],
}, function(omni_server, openai_client)
  local rs = openai_client:generate_image({ model = omni_server.model, prompt = "two squares", size = "96x64", n = 2 },
    { request_num = 2 })
  assert.equal(rs[2].images[2].width, 96)
end)

omni.test("text_to_speech_001", {
  marks = MARKS,
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Speech whose length is plausible for the input text.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: audio
    Input Setting: response_format=wav
    Datasets: single request ]],
}, function(omni_server, openai_client)
  openai_client:speech({ model = omni_server.model, input = "The quick brown fox jumps over the lazy dog." })
end)
