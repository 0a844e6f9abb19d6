--- Synthetic media for requests, and decoders for checking responses.
---
--- Generated media are deterministic (the same options give the same bytes on
--- every run and machine) and cached within the process: a repeated call
--- returns the same value at once. Values are read-only.
---
--- ```lua
--- local media = require "omni.media"
--- local video = media.video{ width = 224, height = 224, frames = 300 }
--- local part = { type = "video_url", video_url = { url = video.data_url } }
--- local audio = media.audio{ seconds = 5, channels = 1 }.input_audio -- {data=, format="wav"}
--- local info = assert(media.decode_wav(returned_bytes))              -- info.duration
--- ```
local core = require "omni.core.media"
local argparse = require "omni.argparse"
local format = require "omni.format"

local M = {}

local limits = core.limits

local THIS_FILE = debug.getinfo(1, "S").source

-- Raises "omni.media.<fn>: <message>" at the first caller outside this file,
-- so the message points at the user's line whatever helper found the fault.
local function fail(fn, fmt, ...)
  local level = 2
  while debug.getinfo(level, "S") and debug.getinfo(level, "S").source == THIS_FILE do
    level = level + 1
  end
  error(string.format("omni.media.%s: " .. fmt, fn, ...), level)
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) == "table" then return (format.value(v):gsub("%s*\n%s*", " ")) end
  return tostring(v)
end

local function integer(fn, opts, key, lo, hi, default)
  local v = opts[key]
  if v == nil then return default end
  local i = math.type(v) == "integer" and v or (type(v) == "number" and math.tointeger(v))
  if not i or i < lo or i > hi then
    fail(fn, "%s must be an integer in [%d, %d], got %s", key, lo, hi, show(v))
  end
  return i
end

local function number(fn, opts, key, lo, hi, default, open_lo, open_hi)
  local v = opts[key]
  if v == nil then return default end
  local ok = type(v) == "number" and v == v and (open_lo and v > lo or not open_lo and v >= lo)
    and (open_hi and v < hi or not open_hi and v <= hi)
  if not ok then
    fail(fn, "%s must be a number in %s%g, %g%s, got %s", key, open_lo and "(" or "[", lo, hi,
      open_hi and ")" or "]", show(v))
  end
  return v
end

local function choice(fn, opts, key, choices, default, aliases)
  local v = opts[key]
  if v == nil then return default end
  if aliases and aliases[v] then v = aliases[v] end
  for _, c in ipairs(choices) do
    if v == c then return v end
  end
  local hint = type(v) == "string" and argparse.closest(v, choices)
  fail(fn, "unknown %s %s%s; choose one of: %s", key, show(v),
    hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(choices, ", "))
end

local function seed(fn, opts)
  local v = opts.seed
  if v == nil then return 0 end
  local i = math.type(v) == "integer" and v or (type(v) == "number" and math.tointeger(v))
  if not i then fail(fn, "seed must be an integer, got %s", show(v)) end
  return i
end

local NAMED_COLORS = {
  black = { 0, 0, 0 }, white = { 255, 255, 255 }, red = { 255, 0, 0 }, green = { 0, 128, 0 },
  blue = { 0, 0, 255 }, yellow = { 255, 255, 0 }, gray = { 128, 128, 128 },
  orange = { 255, 165, 0 }, purple = { 128, 0, 128 },
}

local function color(fn, opts, key, default)
  local v = opts[key]
  if v == nil then return default end
  if type(v) == "string" then
    if NAMED_COLORS[v] then return NAMED_COLORS[v] end
    local r, g, b = v:match("^#(%x%x)(%x%x)(%x%x)$")
    if r then return { tonumber(r, 16), tonumber(g, 16), tonumber(b, 16) } end
  elseif type(v) == "table" and #v == 3 then
    local ok = true
    for i = 1, 3 do
      if math.type(v[i]) ~= "integer" or v[i] < 0 or v[i] > 255 then ok = false end
    end
    if ok then return { v[1], v[2], v[3] } end
  end
  local names = {}
  for name in pairs(NAMED_COLORS) do names[#names + 1] = name end
  table.sort(names)
  fail(fn, "%s must be {r, g, b} with integers in [0, 255], '#rrggbb' or one of %s; got %s",
    key, table.concat(names, ", "), show(v))
end

local function check_keys(fn, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then fail(fn, "options must be a table, got %s", type(opts)) end
  for k in pairs(opts) do
    local known = false
    for _, a in ipairs(allowed) do
      if k == a then known = true end
    end
    if not known then
      local hint = type(k) == "string" and argparse.closest(k, allowed)
      fail(fn, "unknown option %s%s; options are: %s", show(k),
        hint and (" (did you mean '" .. hint .. "'?)") or "", table.concat(allowed, ", "))
    end
  end
  return opts
end

local IMAGE_KEYS = { "width", "height", "shape", "color", "background", "format", "quality", "seed" }
local AUDIO_KEYS = { "seconds", "channels", "sample_rate", "kind", "frequency", "frequency_end",
  "amplitude", "seed" }
local VIDEO_KEYS = { "width", "height", "frames", "fps", "shape", "quality", "seed", "threads" }

local function normalize_image(opts)
  local fn = "image"
  opts = check_keys(fn, opts, IMAGE_KEYS)
  local side = limits.image_side
  local p = {
    width = integer(fn, opts, "width", side[1], side[2], 224),
    height = integer(fn, opts, "height", side[1], side[2], 224),
    shape = choice(fn, opts, "shape", core.image_shapes, "square"),
    color = color(fn, opts, "color", nil),
    background = color(fn, opts, "background", { 255, 255, 255 }),
    format = choice(fn, opts, "format", { "jpeg", "png" }, "jpeg", { jpg = "jpeg" }),
    quality = integer(fn, opts, "quality", limits.quality[1], limits.quality[2], 85),
    seed = seed(fn, opts),
  }
  if p.width * p.height > limits.image_pixels[2] then
    fail(fn, "width * height must be at most %d, got %d * %d = %d", limits.image_pixels[2],
      p.width, p.height, p.width * p.height)
  end
  return p
end

local function normalize_audio(opts)
  local fn = "audio"
  opts = check_keys(fn, opts, AUDIO_KEYS)
  local rate = limits.sample_rate
  local p = {
    seconds = number(fn, opts, "seconds", 0, limits.audio_seconds[2], 5, true, false),
    channels = integer(fn, opts, "channels", limits.channels[1], limits.channels[2], 1),
    sample_rate = integer(fn, opts, "sample_rate", rate[1], rate[2], 48000),
    kind = choice(fn, opts, "kind", core.audio_kinds, "rain"),
    amplitude = number(fn, opts, "amplitude", 0, 1, 0.5),
    seed = seed(fn, opts),
  }
  local nyquist = p.sample_rate / 2
  p.frequency = number(fn, opts, "frequency", 0, nyquist, p.kind == "chirp" and 200 or 440, true, true)
  p.frequency_end = number(fn, opts, "frequency_end", 0, nyquist, math.min(4000, nyquist * 0.9), true, true)
  local frames = math.floor(p.seconds * p.sample_rate + 0.5)
  if frames < 1 then
    fail(fn, "seconds %g is less than one sample at %d Hz", p.seconds, p.sample_rate)
  end
  if frames * p.channels > limits.audio_samples[2] then
    fail(fn, "seconds * sample_rate * channels must be at most %d, got %d", limits.audio_samples[2],
      frames * p.channels)
  end
  return p, frames
end

local function normalize_video(opts)
  local fn = "video"
  opts = check_keys(fn, opts, VIDEO_KEYS)
  local side = limits.video_side
  local p = {
    width = integer(fn, opts, "width", side[1], side[2], 224),
    height = integer(fn, opts, "height", side[1], side[2], 224),
    frames = integer(fn, opts, "frames", limits.video_frames[1], limits.video_frames[2], 300),
    fps = integer(fn, opts, "fps", limits.fps[1], limits.fps[2], 30),
    shape = choice(fn, opts, "shape", core.video_shapes, "balls"),
    quality = integer(fn, opts, "quality", limits.quality[1], limits.quality[2], 85),
    seed = seed(fn, opts),
    threads = integer(fn, opts, "threads", 0, 64, 0),
  }
  local pixels = p.width * p.height * p.frames
  if pixels > limits.video_pixels[2] then
    fail(fn, "width * height * frames must be at most %d, got %d * %d * %d = %d",
      limits.video_pixels[2], p.width, p.height, p.frames, pixels)
  end
  return p
end

-- Cache: key -> value, bounded by the total size of the cached bytes; the
-- least recently used values go first.
local CACHE_BYTES = 256 * 1024 * 1024
local cache, cache_bytes, tick = {}, 0, 0

local function cache_get(key)
  local e = cache[key]
  if e then
    tick = tick + 1
    e.used = tick
    return e.value
  end
end

local function cache_put(key, value, size)
  if size > CACHE_BYTES then return end
  while cache_bytes + size > CACHE_BYTES do
    local oldest_key, oldest
    for k, e in pairs(cache) do
      if not oldest or e.used < oldest.used then oldest_key, oldest = k, e end
    end
    cache[oldest_key] = nil
    cache_bytes = cache_bytes - oldest.size
  end
  tick = tick + 1
  cache[key] = { value = value, size = size, used = tick }
  cache_bytes = cache_bytes + size
end

--- Empties the cache of generated media.
function M.clear_cache()
  cache, cache_bytes = {}, 0
end

---@return {entries: integer, bytes: integer, limit: integer}
function M.cache_stats()
  local n = 0
  for _ in pairs(cache) do n = n + 1 end
  return { entries = n, bytes = cache_bytes, limit = CACHE_BYTES }
end

local function key_of(kind, p, order)
  local parts = { kind }
  for _, k in ipairs(order) do
    local v = p[k]
    if type(v) == "table" then v = table.concat(v, ",") end
    parts[#parts + 1] = k .. "=" .. tostring(v)
  end
  return table.concat(parts, "|")
end

-- Media values: a proxy over private fields, so they stay read-only while
-- base64 and data_url are built on first use and then kept.
local private = setmetatable({}, { __mode = "k" })
local Media = { __name = "omni.Media" }
local methods = {}

local lazy = {
  base64 = function(f) return core.base64_encode(f.bytes) end,
  data_url = function(f, self) return "data:" .. f.mime .. ";base64," .. self.base64 end,
}

Media.__index = function(self, k)
  local f = private[self]
  local v = f[k]
  if v ~= nil then return v end
  if k == "input_audio" and f.type == "audio" then
    return { data = self.base64, format = "wav" } -- fresh: callers may add to it
  end
  local make = lazy[k]
  if make then
    v = make(f, self)
    f[k] = v
    return v
  end
  return methods[k]
end

Media.__newindex = function(_, k)
  error(string.format("omni.media: media values are read-only (cannot set '%s')", tostring(k)), 2)
end

Media.__pairs = function(self)
  local f = private[self]
  local _ = self.data_url -- make the lazy fields visible
  return next, f, nil
end

Media.__tostring = function(self)
  local f = private[self]
  if f.type == "image" then
    return string.format("omni.media.image(%dx%d %s, %d bytes)", f.width, f.height, f.format, f.size)
  elseif f.type == "audio" then
    return string.format("omni.media.audio(%s, %g s, %d Hz, %d ch, %d bytes)", f.kind, f.seconds,
      f.sample_rate, f.channels, f.size)
  end
  return string.format("omni.media.video(%dx%d, %d frames @ %d fps, %d bytes)", f.width, f.height,
    f.frames, f.fps, f.size)
end

local function new_media(fields)
  fields.size = #fields.bytes
  local self = setmetatable({}, Media)
  private[self] = fields
  return self
end

--- Writes the bytes to a file.
---@param path string
---@return true|nil ok, string? err
function methods:save(path)
  if type(path) ~= "string" then
    error("omni.media: save expects a file path, got " .. type(path), 2)
  end
  local f, err = io.open(path, "wb")
  if not f then return nil, err end
  local ok, werr = f:write(private[self].bytes)
  f:close()
  if not ok then return nil, werr end
  return true
end

---@class omni.Media
---@field type "image"|"audio"|"video"
---@field bytes string the file's bytes (JPEG/PNG, WAV, MP4)
---@field base64 string standard base64 of bytes
---@field data_url string "data:<mime>;base64,<base64>"
---@field mime string
---@field size integer #bytes
---@field save fun(self: omni.Media, path: string): true|nil, string?

---@class omni.Image: omni.Media
---@field width integer
---@field height integer
---@field format "jpeg"|"png"
---@field shape string

--- A synthetic image. Defaults reproduce the reference: 224x224 JPEG
--- (quality 85), white background, 3-8 coloured squares with black borders.
---@param opts? {width?: integer, height?: integer, shape?: "square"|"circle"|"triangle"|"stripes"|"noise", color?: integer[]|string, background?: integer[]|string, format?: "jpeg"|"png", quality?: integer, seed?: integer}
---@return omni.Image
function M.image(opts)
  local p = normalize_image(opts)
  local key = key_of("image", p, IMAGE_KEYS)
  local hit = cache_get(key)
  if hit then return hit end
  local bytes = core.image(p)
  local v = new_media({
    type = "image", bytes = bytes, mime = p.format == "png" and "image/png" or "image/jpeg",
    width = p.width, height = p.height, format = p.format, shape = p.shape,
  })
  cache_put(key, v, #bytes)
  return v
end

---@class omni.Audio: omni.Media
---@field seconds number
---@field sample_rate integer
---@field channels integer
---@field frames integer samples per channel
---@field kind string
---@field input_audio {data: string, format: "wav"} the OpenAI input_audio part

--- Synthetic audio as a PCM16 WAV. The default is the reference's "rain"
--- (5 s, mono, 48 kHz): smoothed noise, 10 drops a second, an echo.
---@param opts? {seconds?: number, channels?: integer, sample_rate?: integer, kind?: "rain"|"tone"|"white"|"pink"|"chirp"|"silence", frequency?: number, frequency_end?: number, amplitude?: number, seed?: integer}
---@return omni.Audio
function M.audio(opts)
  local p, frames = normalize_audio(opts)
  local key = key_of("audio", p, AUDIO_KEYS)
  local hit = cache_get(key)
  if hit then return hit end
  local bytes = core.audio(p)
  local v = new_media({
    type = "audio", bytes = bytes, mime = "audio/wav", seconds = frames / p.sample_rate,
    sample_rate = p.sample_rate, channels = p.channels, frames = frames, kind = p.kind,
  })
  cache_put(key, v, #bytes)
  return v
end

---@class omni.Video: omni.Media
---@field width integer
---@field height integer
---@field frames integer
---@field fps integer
---@field seconds number
---@field shape string

--- A synthetic MP4 video (MJPEG frames). The default is the reference's:
--- 224x224, 300 frames at 30 fps, 3-8 bouncing balls on black. `threads`
--- only changes how fast it is made, never the bytes.
---@param opts? {width?: integer, height?: integer, frames?: integer, fps?: integer, shape?: "balls"|"ball"|"square", quality?: integer, seed?: integer, threads?: integer}
---@return omni.Video
function M.video(opts)
  local p = normalize_video(opts)
  local key = key_of("video", p, { "width", "height", "frames", "fps", "shape", "quality", "seed" })
  local hit = cache_get(key)
  if hit then return hit end
  local bytes = core.video(p)
  local v = new_media({
    type = "video", bytes = bytes, mime = "video/mp4", width = p.width, height = p.height,
    frames = p.frames, fps = p.fps, seconds = p.frames / p.fps, shape = p.shape,
  })
  cache_put(key, v, #bytes)
  return v
end

local function need_string(fn, v)
  if type(v) ~= "string" then
    error(string.format("bad argument #1 to '%s' (string expected, got %s)", fn, type(v)), 3)
  end
end

---@class omni.WavInfo
---@field format "pcm"|"float"
---@field channels integer
---@field sample_rate integer
---@field bits integer
---@field frames integer
---@field duration number seconds
---@field data_offset integer
---@field data_size integer
---@field peak number largest |sample|, full scale 1
---@field rms number

--- Checks a WAV file and describes it; rejects truncated files and headers
--- whose sizes or rates disagree.
---@param bytes string
---@return omni.WavInfo|nil info, string? why, string? code
function M.decode_wav(bytes)
  need_string("decode_wav", bytes)
  return core.decode_wav(bytes)
end

--- Checks a PNG or JPEG (decoding every pixel) and describes it.
---@param bytes string
---@return {format: "png"|"jpeg", width: integer, height: integer, channels: integer}|nil info, string? why, string? code
function M.decode_image(bytes)
  need_string("decode_image", bytes)
  return core.decode_image(bytes)
end

--- Standard base64 with padding.
---@param bytes string
---@return string
function M.base64_encode(bytes)
  need_string("base64_encode", bytes)
  return core.base64_encode(bytes)
end

--- Strict base64 decoding: no whitespace, padding only at the end, zero
--- padding bits.
---@param s string
---@return string|nil bytes, string? why, string? code
function M.base64_decode(s)
  need_string("base64_decode", s)
  return core.base64_decode(s)
end

--- Parses a data URL (RFC 2397); a base64 payload is decoded strictly.
---@param s string
---@return {mime: string, params: string, base64: boolean, payload: string}|nil parsed, string? why, string? code
function M.parse_data_url(s)
  need_string("parse_data_url", s)
  return core.parse_data_url(s)
end

--- The choices and limits the generators accept (from the C core).
M.image_shapes, M.video_shapes, M.audio_kinds, M.limits =
  core.image_shapes, core.video_shapes, core.audio_kinds, core.limits

return M
