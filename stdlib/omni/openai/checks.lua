--- Validation of parsed answers by run level.
---
--- core_model (every answer): status and protocol, the JSON shape of the
--- body or of every chunk, a known finish reason, usage when asked, a
--- non-empty text when text was asked, audio that decodes as WAV with
--- duration > 0 when audio was asked.
--- advanced_model (also): key words per group (any word, case-insensitive,
--- in the text answer, or in the audio transcript when text was not asked),
--- text/transcript similarity > 0.9 when both came, audio duration
--- plausible for its text (AUDIO_S_PER_CHAR), images of the requested size.
local excerpt = require "omni.openai.excerpt"

local M = {}

--- Plausible speech: between MIN and MAX seconds per character of the
--- spoken text, plus SLACK seconds of leading/trailing silence.
M.AUDIO_S_PER_CHAR = { min = 0.02, max = 1.0, slack = 2.0 }
M.SIMILARITY_MIN = 0.9

local function fail(resp, check, message, code)
  resp.failures[#resp.failures + 1] = { check = check, message = message, code = code }
end
M.fail = fail

local function has(list, x)
  for _, v in ipairs(list or {}) do if v == x then return true end end
  return false
end

local function nchars(s)
  return utf8.len(s) or #s
end

local function audio_plausible(resp, spoken, what)
  local dur = resp.audio_duration
  if not dur then return end
  if not spoken or spoken:match("^%s*$") then
    resp.notes[#resp.notes + 1] = "audio_duration: not checked (no text to compare the audio with)"
    return
  end
  local n = nchars(spoken)
  local r = M.AUDIO_S_PER_CHAR
  local lo, hi = r.min * n, r.max * n + r.slack
  if dur < lo or dur > hi then
    fail(resp, "audio_duration", string.format(
      "%.3f s of audio for %d characters of %s: expected %.2f..%.2f s (%.2f..%.2f s per character + %.1f s)\n  %s: %s",
      dur, n, what, lo, hi, r.min, r.max, r.slack, what, excerpt.quote(spoken, 200)))
  end
end

local function check_audio(resp)
  if resp.audio_bytes and #resp.audio_pieces == 0 then -- offline: one file, no pieces
    local info, why = require("omni.media").decode_wav(resp.audio_bytes)
    if not info then
      fail(resp, "audio", "the audio file is not a valid WAV: " .. tostring(why))
      return
    end
    resp.audio_duration = info.duration
    if info.duration <= 0 then fail(resp, "audio", "the audio decodes as WAV but lasts 0 s") end
    return
  end
  if #resp.audio_pieces == 0 then
    fail(resp, "audio", "audio was asked for but the answer has none")
    return
  end
  local joined, why = require("omni.openai.wav").join(resp.audio_pieces)
  if not joined then
    fail(resp, "audio", why)
    return
  end
  resp.audio_bytes, resp.audio_duration = joined.bytes, joined.duration
  if joined.duration <= 0 then
    fail(resp, "audio", "the audio decodes as WAV but lasts 0 s")
  end
end

local function check_usage(resp)
  local u = resp.usage
  if type(u) ~= "table" then
    fail(resp, "usage", "usage was asked for but the answer has none")
    return
  end
  local p, c, t = u.prompt_tokens, u.completion_tokens, u.total_tokens
  for name, v in pairs({ prompt_tokens = p, completion_tokens = c, total_tokens = t }) do
    if type(v) ~= "number" or v < 0 or v ~= math.floor(v) then -- cjson reads 6 as 6.0
      fail(resp, "usage", string.format("usage.%s must be a non-negative integer, got %s", name,
        excerpt.quote(v, 40)))
      return
    end
  end
  if p + c ~= t then
    fail(resp, "usage", string.format("usage: prompt_tokens %d + completion_tokens %d ~= total_tokens %d",
      math.floor(p), math.floor(c), math.floor(t)))
  elseif c == 0 then
    fail(resp, "usage", "usage.completion_tokens is 0 for a non-empty answer")
  end
end

local function check_key_words(resp, cfg)
  local groups = {}
  for g in pairs(cfg.key_words) do groups[#groups + 1] = g end
  table.sort(groups)
  local hay, what
  if has(cfg.modalities, "text") then
    hay, what = resp.text, "the text answer"
  else
    hay, what = resp.transcript, "the audio transcript"
    if not hay then
      fail(resp, "key_words", "cannot be checked: text was not asked for and the server sent no audio " ..
        "transcript (omnilua has no speech recognition); ask for text too, or drop key_words")
      return
    end
  end
  local lower = (hay or ""):lower()
  for _, g in ipairs(groups) do
    local words = cfg.key_words[g]
    local found = false
    for _, w in ipairs(words) do
      if lower:find(tostring(w):lower(), 1, true) then found = true break end
    end
    if not found then
      local quoted = {}
      for i, w in ipairs(words) do quoted[i] = string.format("%q", w) end
      fail(resp, "key_words", string.format("none of the %s key words [%s] appear in %s\n  %s: %s",
        g, table.concat(quoted, ", "), what, what, excerpt.quote(hay, 300)))
    end
  end
end

--- Checks a parsed chat answer.
---@param resp omni.openai.Response
---@param cfg table the request config (modalities, key_words, usage)
---@param level string "core_model" | "advanced_model"
function M.chat(resp, cfg, level)
  for _, p in ipairs(resp.problems) do fail(resp, p.check, p.message) end
  if #resp.problems > 0 then return end
  local stops = cfg.offline -- batch outputs carry no finish reason
  for _, fr in ipairs(resp.finish_reasons) do
    if fr == "stop" or fr == "length" then stops = true end
  end
  if not stops then
    fail(resp, "finish_reason", "no choice ended with finish_reason \"stop\" or \"length\" (got [" ..
      table.concat(resp.finish_reasons, ", ") .. "])")
  end
  if cfg.usage then check_usage(resp) end
  local want_text, want_audio = has(cfg.modalities, "text"), has(cfg.modalities, "audio")
  if want_text and (resp.text == nil or resp.text:match("^%s*$")) then
    fail(resp, "text", "text was asked for but the text answer is empty")
  end
  if want_audio then check_audio(resp) end
  if level ~= "advanced_model" then return end
  if cfg.key_words and next(cfg.key_words) then check_key_words(resp, cfg) end
  if want_text and want_audio and resp.text and resp.transcript then
    local s = require("omni.openai.similarity").cosine(resp.text, resp.transcript)
    resp.similarity = s
    if s <= M.SIMILARITY_MIN then
      fail(resp, "similarity", string.format("text and audio transcript differ (similarity %.3f <= %.2f)\n  text: %s\n  transcript: %s",
        s, M.SIMILARITY_MIN, excerpt.quote(resp.text, 200), excerpt.quote(resp.transcript, 200)))
    end
  elseif want_text and want_audio and resp.audio_bytes then
    resp.notes[#resp.notes + 1] = "similarity: not checked (the server sent no audio transcript)"
  end
  if resp.audio_duration then
    if resp.transcript then
      audio_plausible(resp, resp.transcript, "the transcript")
    else
      audio_plausible(resp, resp.text, "the text answer")
    end
  end
end

--- Checks a speech answer (the body is the audio file).
---@param resp table {body, status, headers, failures, notes}
---@param cfg table {input, response_format}
---@param level string
function M.speech(resp, cfg, level)
  local fmt = cfg.response_format or "wav"
  local body = resp.body or ""
  if #body == 0 then
    fail(resp, "audio", "the speech answer is empty")
    return
  end
  if fmt ~= "wav" then
    resp.notes[#resp.notes + 1] = "audio: only WAV is decoded; " .. fmt .. " checked for size only"
    return
  end
  local info, why = require("omni.media").decode_wav(body)
  if not info then
    fail(resp, "audio", "the speech answer is not a valid WAV: " .. tostring(why))
    return
  end
  resp.audio_bytes, resp.audio_duration = body, info.duration
  if info.duration <= 0 then fail(resp, "audio", "the speech answer lasts 0 s") end
  if level == "advanced_model" then audio_plausible(resp, cfg.input, "the input text") end
end

--- Checks an image generation answer.
---@param resp table {body, failures, notes, images}
---@param cfg table {n, size}
---@param level string
function M.images(resp, cfg, level)
  local cjson = require "cjson"
  local media = require "omni.media"
  local ok, doc = pcall(cjson.decode, resp.body or "")
  if not ok or type(doc) ~= "table" or type(doc.data) ~= "table" then
    fail(resp, "json", "the body is not a JSON object with a 'data' list: " .. excerpt.quote(resp.body))
    return
  end
  local n = cfg.n or 1
  if #doc.data ~= n then
    fail(resp, "json", string.format("%d images asked for, %d in 'data'", n, #doc.data))
  end
  local w, h
  if cfg.size then w, h = cfg.size:match("^(%d+)x(%d+)$") end
  resp.images = {}
  for i, item in ipairs(doc.data) do
    local where = string.format("data[%d]", i - 1)
    if type(item) ~= "table" or (type(item.b64_json) ~= "string" and type(item.url) ~= "string") then
      fail(resp, "json", where .. ": needs 'b64_json' or 'url'")
    elseif type(item.b64_json) == "string" then
      local bytes, why = media.base64_decode(item.b64_json)
      if not bytes then
        fail(resp, "image", where .. ".b64_json is not valid base64: " .. tostring(why))
      elseif not (bytes:sub(1, 8) == "\137PNG\r\n\26\n" or bytes:sub(1, 3) == "\255\216\255") then
        fail(resp, "image", where .. " is neither PNG nor JPEG")
      else
        local img = { bytes = bytes }
        resp.images[#resp.images + 1] = img
        if level == "advanced_model" then
          local info, derr = media.decode_image(bytes)
          if not info then
            fail(resp, "image", where .. " does not decode: " .. tostring(derr))
          else
            img.width, img.height, img.format = info.width, info.height, info.format
            if w and (info.width ~= tonumber(w) or info.height ~= tonumber(h)) then
              fail(resp, "image_size", string.format("%s is %dx%d, %s was asked for", where, info.width,
                info.height, cfg.size))
            end
          end
        end
      end
    else
      resp.notes[#resp.notes + 1] = where .. ": a URL, not fetched"
    end
  end
end

return M
