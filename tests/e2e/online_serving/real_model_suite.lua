-- The online suite every real omni model runs (test_qwen2_5_omni.lua,
-- test_qwen3_omni.lua): the same requests and key words whatever the model.
-- Not a test file (no test_ prefix): a model's file loads it with dofile and
-- registers each case with its own omni.test, so node ids, report lines and
-- `omnilua lint` all name the model's file. `omni` comes from that file:
-- lint loads test files with a stub omni, which this suite must use too.
--   omni.test(suite.case("mix_to_text_audio_001"))  -- name, opts, body
local TIMEOUT = 1800 -- the first test pays for the engine's startup (up to 1200 s)

local function dummy_messages_from_mix_data(video_data_url, audio_data_url, image_data_url, content_text)
  local content = {}
  if content_text then content[#content + 1] = { type = "text", text = content_text } end
  if video_data_url then content[#content + 1] = { type = "video_url", video_url = { url = video_data_url } } end
  if image_data_url then content[#content + 1] = { type = "image_url", image_url = { url = image_data_url } } end
  if audio_data_url then content[#content + 1] = { type = "audio_url", audio_url = { url = audio_data_url } } end
  return { { role = "user", content = content } }
end

---@param omni table the calling test file's omni module
---@param engine table { model = string, stage_config = string }
---@return table suite { case = function(name): name, opts, body }
return function(omni, engine)
  local test_params = { engine }
  local cases = {}

  cases.mix_to_text_audio_001 = {
    opts = {
      marks = { "core_model", "advanced_model" },
      params = { omni_server = omni.indirect(test_params) },
      timeout = TIMEOUT,
      doc = [[
    Test multi-modal input processing and text/audio output generation via OpenAI API.
    Deploy Setting: default yaml
    Input Modal: text + audio + video + image
    Output Modal: text + audio
    Input Setting: stream=True
    Datasets: single request ]],
    },
    fn = function(omni_server, openai_client)
      local media = require "omni.media"
      local video_data_url = media.video { width = 224, height = 224, frames = 300 }.data_url
      local image_data_url = media.image { width = 224, height = 224 }.data_url
      local audio_data_url = media.audio { seconds = 5, channels = 1 }.data_url
      local messages = dummy_messages_from_mix_data(video_data_url, audio_data_url, image_data_url,
        "What is the capital of China? Describe the video, the image and the audio.")
      local request_config = {
        model = omni_server.model,
        messages = messages,
        stream = true,
        key_words = {
          audio = { "water", "cricket" },
          video = { "sphere", "globe", "circle", "round" },
          image = { "square", "quadrate" },
          text = { "beijing" },
        },
      }
      openai_client:send_request(request_config, { request_num = 1 })
    end,
  }

  cases.text_to_text_audio_001 = {
    opts = {
      marks = { "core_model", "advanced_model" },
      params = { omni_server = omni.indirect(test_params) },
      timeout = TIMEOUT,
      doc = [[
    A text question answered in text and audio, non-streaming, two requests at once.
    Deploy Setting: default yaml
    Input Modal: text
    Output Modal: text + audio
    Input Setting: stream=False
    Datasets: 2 concurrent requests ]],
    },
    fn = function(omni_server, openai_client)
      openai_client:send_request({
        model = omni_server.model,
        messages = dummy_messages_from_mix_data(nil, nil, nil, "What is the capital of China?"),
        key_words = { text = { "beijing" } },
      }, { request_num = 2 })
    end,
  }

  return {
    case = function(name)
      local c = assert(cases[name], "real_model_suite: no case " .. tostring(name))
      return name, c.opts, c.fn
    end,
  }
end
