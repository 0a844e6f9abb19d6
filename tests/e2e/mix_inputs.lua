-- The spec example's mixed prompt, shared by the e2e suites (offline and
-- online test_dummy*.lua, real_model_suite.lua): one video, image and audio
-- clip with the prompt, and the key words each modality must be answered
-- with. Not a test file; load it with dofile relative to the file's folder
-- (`dofile(HERE .. "/../mix_inputs.lua")`).
local M = {}

M.KEY_WORDS = { audio = { "water", "cricket" }, video = { "sphere", "globe", "circle", "round" },
  image = { "square", "quadrate" }, text = { "beijing" } }

--- A send_request config: `prompt` with every input modality; `key_words`
--- (e.g. M.KEY_WORDS) is checked when given. Media are made at the call, in
--- the test body, never while the file loads.
---@param prompt string
---@param key_words? table
---@return table
function M.request(prompt, key_words)
  local media = require "omni.media"
  return {
    prompts = { prompt },
    videos = { media.video { width = 224, height = 224, frames = 300 } },
    images = { media.image { width = 224, height = 224 } },
    audios = { media.audio { seconds = 5, channels = 1 } },
    key_words = key_words,
  }
end

--- The same inputs as the content of one chat message (OpenAI API): video,
--- image and audio parts, then the prompt. Made at the call, like request.
---@param prompt string
---@return table[]
function M.content(prompt)
  local media = require "omni.media"
  return {
    { type = "video_url", video_url = { url = media.video { width = 224, height = 224, frames = 300 }.data_url } },
    { type = "image_url", image_url = { url = media.image { width = 224, height = 224 }.data_url } },
    { type = "input_audio", input_audio = media.audio { seconds = 5, channels = 1 }.input_audio },
    { type = "text", text = prompt },
  }
end

return M
