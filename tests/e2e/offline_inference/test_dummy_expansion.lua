-- L3/L4: offline inference with the dummy model and deep validation
-- (`-m advanced_model --run-level advanced_model`): key words per input
-- modality and audio length plausible for the text, per output.
local omni = require "omni"
local media = require "omni.media"
local assert = require "omni.assert"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/offline_inference"
local mix = dofile(HERE .. "/../mix_inputs.lua")

local runners = { { model = "omni-dummy", stage_config = "dummy.yaml" } }
local MARKS = { "advanced_model" }

omni.test("text_to_text_audio_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    Factual prompts in one batch: each output names its answer.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: 2 prompts in one batch ]],
}, function(omni_runner)
  local out = omni_runner:send_request({ prompts = { "What is the capital of China?", "What is the capital of China, again?" },
    key_words = { text = { "beijing" } }, usage = true })
  for _, o in ipairs(out) do assert.truthy(o.audio_duration > 0) end
end)

omni.test("mix_to_text_audio_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    Every input modality; the key words of each must be found.
    Deploy Setting: default yaml
    Input Modal: text + audio + video + image
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request(mix.request("What is the capital of China? Describe the media.", mix.KEY_WORDS))
end)

omni.test("image_to_text_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    One batch of three prompts, each with its own image, text outputs.
    Deploy Setting: default yaml
    Input Modal: text + image
    Output Modal: text
    Input Setting: offline batch, modalities=text
    Datasets: 3 prompts in one batch ]],
}, function(omni_runner)
  omni_runner:send_request({
    prompts = { "Describe the image.", "What shapes are there?", "Describe the picture." },
    images = { media.image { seed = 1 }, media.image { seed = 2 }, media.image { seed = 3 } },
    modalities = { "text" }, key_words = { image = { "square" } },
  })
end)

omni.test("video_to_text_audio_001", {
  marks = MARKS,
  params = { omni_runner = omni.indirect(runners) },
  doc = [[
    A video prompt: round things are mentioned, audio length fits the text.
    Deploy Setting: default yaml
    Input Modal: text + video
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request({ prompts = { "What moves in the video?" },
    videos = { media.video { width = 112, height = 112, frames = 30 } },
    key_words = { video = { "round", "sphere" } } })
end)
