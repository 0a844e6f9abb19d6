-- The spec example's mixed prompt in offline form, shared by the offline
-- suites (test_dummy*.lua, real_model_suite.lua): one video, image and audio
-- clip with the prompt, and the key words each modality must be answered
-- with. Not a test file; load it with dofile from the file's folder.
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

return M
