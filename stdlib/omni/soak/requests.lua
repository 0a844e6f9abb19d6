--- The requests of a soak: a weighted mix across modalities
--- (weekly.json's soak_params.mix), drawn from a seeded generator so that
--- the same config sends the same sequence, optionally rewritten by the
--- hooks file (`hooks.request`).
local media = require "omni.media"
local cjson = require "cjson"

local M = {}

-- ---------------------------------------------------------------- rng

local Rng = {}
Rng.__index = Rng

--- A seeded generator (splitmix64) handed to hooks.request: `rng:uniform()`
--- in [0, 1), `rng:int(lo, hi)` inclusive, `rng:pick(list)`.
---@param seed integer
---@return table rng
function M.rng(seed)
  return setmetatable({ s = math.tointeger(seed) or 1 }, Rng)
end

function Rng:next()
  self.s = self.s + 0x9E3779B97F4A7C15
  local z = self.s
  z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * 0x94D049BB133111EB
  return z ~ (z >> 31)
end

function Rng:uniform() return ((self:next() >> 11) & 0x1FFFFFFFFFFFFF) / 9007199254740992.0 end

function Rng:int(lo, hi) return lo + math.floor(self:uniform() * (hi - lo + 1)) end

function Rng:pick(list) return list[self:int(1, #list)] end

--- An exponential gap with the given rate (Poisson arrivals).
function Rng:exp(rate) return -math.log(1 - self:uniform()) / rate end

-- ---------------------------------------------------------------- media

local PROMPTS = {
  "What is the capital of China?",
  "Describe the media in one sentence.",
  "Tell me a short story about a lighthouse.",
  "List three prime numbers.",
  "Translate 'good morning' into French.",
}

-- Small inputs: the soak measures the server over time, not its peak.
local function image_part() return { type = "image_url", image_url = { url = media.image { width = 64, height = 64 }.data_url } } end
local function audio_part() return { type = "input_audio", input_audio = media.audio { seconds = 1, channels = 1 }.input_audio } end
local function video_part() return { type = "video_url", video_url = { url = media.video { width = 64, height = 64, frames = 8 }.data_url } } end

-- Every builder draws the same from the generator: the prompt (unless the
-- entry sets one), nothing else. The draw happens in Mixer:next, so that a
-- request can come from the body cache without changing the sequence.
local function chat(model, entry, prompt, parts, modalities)
  local content = {}
  for _, p in ipairs(parts) do content[#content + 1] = p() end
  content[#content + 1] = { type = "text", text = prompt }
  local stream = entry.stream ~= false
  local body = {
    model = model, messages = { { role = "user", content = #content == 1 and content[1].text or content } },
    max_tokens = entry.max_tokens or 32, stream = stream, modalities = modalities,
  }
  return { path = "/v1/chat/completions", body = body, stream = stream }
end

local BUILD = {
  text = function(m, e, p) return chat(m, e, p, {}, { "text" }) end,
  text_audio = function(m, e, p) return chat(m, e, p, {}, { "text", "audio" }) end,
  image = function(m, e, p) return chat(m, e, p, { image_part }, { "text" }) end,
  audio = function(m, e, p) return chat(m, e, p, { audio_part }, { "text" }) end,
  video = function(m, e, p) return chat(m, e, p, { video_part }, { "text" }) end,
  mixed = function(m, e, p) return chat(m, e, p, { video_part, image_part, audio_part }, { "text", "audio" }) end,
  image_generation = function(m, e, p)
    return { path = "/v1/images/generations", body = { model = m, prompt = p, size = "64x64", n = 1 } }
  end,
  speech = function(m, e, p)
    return { path = "/v1/audio/speech", body = { model = m, input = p, response_format = "wav" } }
  end,
  -- "custom": hooks.request replaces this placeholder text request
  custom = function(m, e, p) return chat(m, e, p, {}, { "text" }) end,
}

-- ---------------------------------------------------------------- mixer

local Mixer = {}
Mixer.__index = Mixer

--- A request source for one test.
---@param opts {model: string, mix: table[], seed: integer, hooks?: table, start?: integer}
---@return table mixer with :next() -> {i, mix, path, body, stream}
function M.mixer(opts)
  local total = 0
  for _, e in ipairs(opts.mix) do total = total + e.weight end
  return setmetatable({ model = opts.model, mix = opts.mix, total = total, rng = M.rng(opts.seed or 1),
    hooks = opts.hooks or {}, i = opts.start or 0, bodies = {} }, Mixer)
end

--- The next request: which mix entry (by weight), its default shape, then
--- hooks.request(i, rng, entry, default) when the hooks define it (a table
--- it returns replaces the request: {path?, body, stream?} or a chat body).
--- Without hooks.request the body is the JSON text, built once per entry
--- and prompt (a soak sends the same few bodies millions of times).
---@return table request {i, mix, path, body (table, or JSON text), stream}
function Mixer:next()
  self.i = self.i + 1
  local x, entry = self.rng:uniform() * self.total, self.mix[#self.mix]
  for _, e in ipairs(self.mix) do
    if x < e.weight then entry = e break end
    x = x - e.weight
  end
  local prompt = entry.prompt or self.rng:pick(PROMPTS)
  if not self.hooks.request then
    local by_prompt = self.bodies[entry]
    if not by_prompt then by_prompt = {}; self.bodies[entry] = by_prompt end
    local c = by_prompt[prompt]
    if not c then
      local built = BUILD[entry.modality](self.model, entry, prompt)
      c = { path = built.path, body = cjson.encode(built.body), stream = built.stream == true }
      by_prompt[prompt] = c
    end
    return { i = self.i, mix = entry.name, path = c.path, body = c.body, stream = c.stream }
  end
  local req = BUILD[entry.modality](self.model, entry, prompt)
  local r = self.hooks.request(self.i, self.rng, entry, req)
  if r ~= nil then
    if type(r) ~= "table" then
      error(string.format("hooks.request(%d) returned %s (a table or nil expected)", self.i, type(r)), 0)
    end
    if r.body == nil then r = { path = "/v1/chat/completions", body = r, stream = r.stream == true } end
    req = r
  end
  req.i, req.mix = self.i, entry.name
  req.path = req.path or "/v1/chat/completions"
  return req
end

return M
