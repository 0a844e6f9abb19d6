-- The corpus of abnormal inputs of the reliability suites: each case is a
-- request an OpenAI-compatible omni server must refuse with a 4xx answer
-- and survive. Shared by test_dummy.lua and test_qwen3_omni.lua.
local M = {}

local function user(content) return { { role = "user", content = content } } end

-- name -> function(model) -> body (string: sent as is), content type?
M.CASES = {
  malformed_json = { body = function(m) return '{"model": "' .. m .. '", "messages": [' end },
  truncated_json = { body = function(m) return '{"model": "' .. m .. '", "messages": [{"role": "user", "content": "hi"}' end },
  messages_not_a_list = { body = function(m) return { model = m, messages = "hello" } end },
  max_tokens_wrong_type = { body = function(m) return { model = m, messages = user("hi"), max_tokens = "ten" } end },
  stream_wrong_type = { body = function(m) return { model = m, messages = user("hi"), stream = "yes" } end },
  empty_messages = { body = function(m) return { model = m, messages = setmetatable({}, require("cjson").array_mt) } end },
  body_not_an_object = { body = function() return "[1, 2, 3]" end },
  unsupported_modality = { body = function(m) return { model = m, messages = user("hi"), modalities = { "smell" } } end },
  unknown_content_part = { body = function(m) return { model = m, messages = user({ { type = "hologram", hologram = {} } }) } end },
  wrong_content_type = { body = function(m) return '{"model": "' .. m .. '", "messages": [{"role": "user", "content": "hi"}]}' end,
    content_type = "text/plain" },
  unknown_model = { body = function() return { model = "no-such-model", messages = user("hi") } end },
  -- the dummy accepts these (see test_dummy.lua's xfail); a real server must not
  empty_prompt = { body = function(m) return { model = m, messages = user("") } end },
  enormous_prompt = { body = function(m) return { model = m, messages = user(string.rep("word ", 4 * 1024 * 1024)) } end },
  invalid_base64_image = { body = function(m)
    return { model = m, messages = user({ { type = "image_url", image_url = { url = "data:image/png;base64,!!!not-base64!!!" } },
      { type = "text", text = "describe" } }) }
  end },
  invalid_base64_audio = { body = function(m)
    return { model = m, messages = user({ { type = "input_audio", input_audio = { data = "%%%%", format = "wav" } },
      { type = "text", text = "describe" } }) }
  end },
}

M.REJECTED_BY_DUMMY = { "malformed_json", "truncated_json", "messages_not_a_list", "max_tokens_wrong_type",
  "stream_wrong_type", "empty_messages", "body_not_an_object", "unsupported_modality", "unknown_content_part",
  "wrong_content_type", "unknown_model" }
M.ACCEPTED_BY_DUMMY = { "empty_prompt", "enormous_prompt", "invalid_base64_image", "invalid_base64_audio" }

function M.names(list) return list end

function M.get(name) return assert(M.CASES[name], "no abnormal case " .. tostring(name)) end

--- The omni.http options of a case against base_url.
function M.request(case, base_url, model)
  local body = case.body(model)
  local ctype = case.content_type or "application/json"
  return { url = base_url .. "/v1/chat/completions", method = "POST", body = type(body) == "string" and body or require("cjson").encode(body),
    headers = { ["Content-Type"] = ctype }, timeout = 60, api_key = false }
end

return M
