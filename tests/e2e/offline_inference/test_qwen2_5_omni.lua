-- Qwen2.5-Omni: offline inference with a real engine. Runs when
-- OMNILUA_OFFLINE_TEMPLATE names a batch command (the contract is in
-- docs/reference/server-fixture.md: prompts JSONL in, outputs.jsonl out);
-- otherwise its tests are skipped with a reason saying so.
local omni = require "omni"
local media = require "omni.media"

local test_params = { { model = "Qwen/Qwen2.5-Omni-7B", stage_config = "qwen2_5_omni_ci.yaml" } }

omni.test("mix_to_text_audio_001", {
  marks = { "core_model", "advanced_model" },
  params = { omni_runner = omni.indirect(test_params) },
  timeout = 1800,
  doc = [[
    Multi-modal prompt through the offline engine, text and audio outputs.
    Deploy Setting: default yaml
    Input Modal: text + audio + video + image
    Output Modal: text + audio
    Input Setting: offline batch
    Datasets: single request ]],
}, function(omni_runner)
  omni_runner:send_request({
    prompts = { "What is the capital of China? Describe the video, the image and the audio." },
    videos = { media.video { width = 224, height = 224, frames = 300 } },
    images = { media.image { width = 224, height = 224 } },
    audios = { media.audio { seconds = 5, channels = 1 } },
    key_words = { audio = { "water", "cricket" }, video = { "sphere", "globe", "circle", "round" },
      image = { "square", "quadrate" }, text = { "beijing" } },
  })
end)
