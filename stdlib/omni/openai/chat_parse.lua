--- Chat completion answers (one JSON body, or SSE chunks) -> an
--- omni.openai.Response, plus the protocol problems found on the way.
--- Knows the reference engine's omni format: chunks carry "modality"
--- ("text" | "audio"; absent means text, as from plain OpenAI servers), audio
--- deltas and message.audio.data are base64 WAV files.
local cjson = require "cjson"
local excerpt = require "omni.openai.excerpt"

local M = {}

local NULL = cjson.null
local FINISH = { stop = true, length = true, tool_calls = true, content_filter = true, function_call = true }

---@class omni.openai.Response
---@field index integer request number (1-based)
---@field stream boolean
---@field success boolean every check passed
---@field error string? the first failed check's message
---@field failures {check: string, code: string?, message: string}[]
---@field status integer? HTTP status
---@field text string? the text answer (nil when none)
---@field audio_pieces string[] base64 audio as received
---@field audio_bytes string? the audio as one WAV
---@field audio_duration number? seconds
---@field transcript string? message.audio.transcript (or its streamed counterpart), if the server sent one
---@field e2e_latency number? seconds from send to the last byte
---@field ttft number? seconds from send to the first content (text or audio)
---@field chunks {t_ns: integer, modality: string, bytes: integer}[] SSE content chunks in arrival order
---@field finish_reasons string[]
---@field usage table?
---@field raw string? the body (non-streaming) or the last events, for messages
---@field notes string[] checks that could not be done, and why

local function problem(resp, check, message)
  resp.problems[#resp.problems + 1] = { check = check, message = message }
end

local function is_list(v)
  if type(v) ~= "table" or v == NULL then return false end
  local n = 0
  for _ in pairs(v) do n = n + 1 end
  return n == #v
end

--- A new, empty response for request `index`.
---@param index integer
---@param stream boolean
---@return omni.openai.Response
function M.new(index, stream)
  return { index = index, stream = stream, success = false, failures = {}, problems = {},
    audio_pieces = {}, chunks = {}, finish_reasons = {}, notes = {} }
end

local function add_text(resp, s)
  resp.text_parts = resp.text_parts or {}
  resp.text_parts[#resp.text_parts + 1] = s
end

local function finish_reason(resp, where, fr)
  if fr == nil or fr == NULL then return end
  if type(fr) ~= "string" or not FINISH[fr] then
    problem(resp, "finish_reason", string.format("%s: unknown finish_reason %s", where, excerpt.quote(fr, 60)))
    return
  end
  resp.finish_reasons[#resp.finish_reasons + 1] = fr
end

local function usage(resp, where, u)
  if u == nil or u == NULL then return end
  if type(u) ~= "table" then
    problem(resp, "json", where .. ": 'usage' is not an object")
    return
  end
  resp.usage = u
end

--- Reads a non-streaming body (already known to be HTTP 2xx).
---@param resp omni.openai.Response
---@param body string
function M.body(resp, body)
  resp.raw = body
  local ok, doc = pcall(cjson.decode, body)
  if not ok or type(doc) ~= "table" then
    problem(resp, "json", "the body is not a JSON object: " .. excerpt.quote(body))
    return
  end
  if doc.object ~= "chat.completion" then
    problem(resp, "json", "'object' is " .. excerpt.quote(doc.object, 60) .. ", expected \"chat.completion\"")
  end
  if not is_list(doc.choices) or #doc.choices == 0 then
    problem(resp, "json", "'choices' must be a non-empty list")
    return
  end
  for i, ch in ipairs(doc.choices) do
    local where = string.format("choices[%d]", i - 1)
    local msg = type(ch) == "table" and ch.message
    if type(msg) ~= "table" then
      problem(resp, "json", where .. ": missing object 'message'")
    else
      if type(msg.content) == "string" then
        add_text(resp, msg.content)
      elseif msg.content ~= nil and msg.content ~= NULL then
        problem(resp, "json", where .. ".message.content: string or null expected")
      end
      local a = msg.audio
      if type(a) == "table" then
        if type(a.data) == "string" then
          resp.audio_pieces[#resp.audio_pieces + 1] = a.data
        else
          problem(resp, "json", where .. ".message.audio: missing string 'data'")
        end
        if type(a.transcript) == "string" and a.transcript ~= "" then
          resp.transcript = (resp.transcript and resp.transcript .. " " or "") .. a.transcript
        end
      end
      finish_reason(resp, where, ch.finish_reason)
    end
  end
  usage(resp, "body", doc.usage)
  resp.modalities_seen = { text = resp.text_parts ~= nil, audio = #resp.audio_pieces > 0 }
end

local function chunk(resp, i, ev)
  local where = string.format("chunk %d", i)
  local ok, doc = pcall(cjson.decode, ev.data)
  if not ok or type(doc) ~= "table" then
    problem(resp, "json", where .. " is not a JSON object: " .. excerpt.quote(ev.data, 200))
    return
  end
  if doc.object ~= "chat.completion.chunk" then
    problem(resp, "json", where .. ": 'object' is " .. excerpt.quote(doc.object, 60) ..
      ", expected \"chat.completion.chunk\"")
  end
  if not is_list(doc.choices) then
    problem(resp, "json", where .. ": 'choices' must be a list")
    return
  end
  local modality = doc.modality
  if modality == nil or modality == NULL then
    modality = "text"
  elseif modality ~= "text" and modality ~= "audio" then
    problem(resp, "json", where .. ": unknown modality " .. excerpt.quote(modality, 60))
    return
  end
  local bytes = 0
  for c, ch in ipairs(doc.choices) do
    local cw = string.format("%s.choices[%d]", where, c - 1)
    local delta = type(ch) == "table" and ch.delta
    if type(delta) ~= "table" then
      problem(resp, "json", cw .. ": missing object 'delta'")
    else
      local content = delta.content
      if type(content) == "string" and content ~= "" then
        bytes = bytes + #content
        if modality == "audio" then
          resp.audio_pieces[#resp.audio_pieces + 1] = content
        else
          add_text(resp, content)
        end
      elseif content ~= nil and content ~= NULL and type(content) ~= "string" then
        problem(resp, "json", cw .. ".delta.content: string or null expected")
      end
      local a = delta.audio -- OpenAI's own streaming audio format
      if type(a) == "table" then
        if type(a.data) == "string" and a.data ~= "" then
          resp.audio_pieces[#resp.audio_pieces + 1] = a.data
          bytes = bytes + #a.data
        end
        if type(a.transcript) == "string" then
          resp.transcript_parts = resp.transcript_parts or {}
          resp.transcript_parts[#resp.transcript_parts + 1] = a.transcript
        end
      end
      finish_reason(resp, cw, ch.finish_reason)
    end
  end
  usage(resp, where, doc.usage)
  if bytes > 0 then
    resp.chunks[#resp.chunks + 1] = { t_ns = ev.t_ns, modality = modality, bytes = bytes }
  end
end

--- Reads SSE events (already known to be a complete 2xx stream).
---@param resp omni.openai.Response
---@param events {data: string, t_ns: integer}[]
---@param done? string the end marker (default "[DONE]")
function M.events(resp, events, done)
  done = done or "[DONE]"
  local lines = {}
  for i = math.max(1, #events - 3), #events do lines[#lines + 1] = "data: " .. events[i].data end
  resp.raw = table.concat(lines, "\n")
  local n = 0
  for i, ev in ipairs(events) do
    if ev.data ~= done then
      n = n + 1
      chunk(resp, i, ev)
    end
  end
  if n == 0 then problem(resp, "json", "the stream has no data chunk before " .. done) end
  if resp.transcript_parts then resp.transcript = table.concat(resp.transcript_parts) end
  local seen = {}
  for _, c in ipairs(resp.chunks) do seen[c.modality] = true end
  resp.modalities_seen = seen
end

--- Joins the text parts and sets the timings from the http result.
---@param resp omni.openai.Response
---@param r table omni.http response (or partial)
function M.finish(resp, r)
  if resp.text_parts then resp.text = table.concat(resp.text_parts) end
  resp.text_parts = nil
  if r and r.t_start_ns and r.t_end_ns and r.t_end_ns > 0 then
    resp.e2e_latency = (r.t_end_ns - r.t_start_ns) / 1e9
    local first = resp.chunks[1]
    if first then
      resp.ttft = (first.t_ns - r.t_start_ns) / 1e9
    elseif not resp.stream then
      resp.ttft = resp.e2e_latency
    end
  end
end

return M
