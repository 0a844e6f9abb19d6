-- L2: offline (batch) inference with the dummy model (`omnilua serve-dummy
-- --offline`, CPU only), checked like online answers.
local omni = require "omni"
local media = require "omni.media"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/offline_inference"
local mix = dofile(HERE .. "/../mix_inputs.lua")

local runners = { { model = "omni-dummy", stage_config = "dummy.yaml" } }
local MARKS = { "core_model" }

omni.test("text_to_text_audio_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    One text prompt, text and audio outputs written by the batch command.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request({ prompts = { "What is the capital of China?" }, usage = true })
end)

omni.test("image_to_text_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    A prompt with an image, text output only.
    Deploy Setting: default yaml
    Input Modal: text + image
    Output Modal: text
    Input Setting: offline batch, modalities=text
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request({ prompts = { "Describe the image." }, images = { media.image { width = 224, height = 224 } },
    modalities = { "text" } })
end)

omni.test("audio_to_text_audio_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    A prompt with a sound clip, text and audio outputs.
    Deploy Setting: default yaml
    Input Modal: text + audio
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request({ prompts = { "What do you hear?" }, audios = { media.audio { seconds = 2, channels = 1 } } })
end)

omni.test("video_to_text_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    A prompt with a short video, text output.
    Deploy Setting: default yaml
    Input Modal: text + video
    Output Modal: text
    Input Setting: offline batch, modalities=text
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request({ prompts = { "What moves in the video?" },
    videos = { media.video { width = 112, height = 112, frames = 30 } }, modalities = { "text" } })
end)

omni.test("mix_to_text_audio_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    Every input modality in one prompt, as the online example.
    Deploy Setting: default yaml
    Input Modal: text + audio + video + image
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request(mix.request("What is the capital of China? Describe the media."))
end)

omni.test("text_to_text_audio_002", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    A batch of four different prompts in one run, each output checked.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: 4 prompts in one batch ]],
}, function(omni_runner)
  local out = omni_runner:send_request({ prompts = {
    "What is the capital of China?", "What is the capital of France?", "What is 2+2?", "Hello there" } })
  require("omni.assert").equal(#out, 4)
end)
