-- The offline suite every real omni model runs (test_qwen2_5_omni.lua,
-- test_qwen3_omni.lua). Not a test file (no test_ prefix): a model's file
-- loads it with dofile and registers each case with its own omni.test, so
-- node ids, report lines and `omnilua lint` all name the model's file.
-- `omni` comes from that file: lint loads test files with a stub omni.
--   omni.test(suite.case("mix_to_text_audio_001"))  -- name, opts, body
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/offline_inference"
local mix = dofile(HERE .. "/../mix_inputs.lua")

---@param omni table the calling test file's omni module
---@param engine table { model = string, stage_config = string }
---@return table suite { case = function(name): name, opts, body }
return function(omni, engine)
  local test_params = { engine }
  local cases = {}

  cases.mix_to_text_audio_001 = {
    opts = {
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
    },
    fn = function(omni_runner)
      omni_runner:send_request(mix.request(
        "What is the capital of China? Describe the video, the image and the audio.", mix.KEY_WORDS))
    end,
  }

  return {
    case = function(name)
      local c = assert(cases[name], "real_model_suite: no case " .. tostring(name))
      return name, c.opts, c.fn
    end,
  }
end
