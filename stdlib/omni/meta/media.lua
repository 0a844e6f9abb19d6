---@meta omni.core.media
--- omni.core.media (bindings/media.c): synthetic images, audio and video as
--- bytes, base64, and the decoders that check what a server returns. Tests
--- use omni.media, which validates options, caches results and builds data
--- URLs; these functions take options already checked and raise with the
--- core's reason ("image: width must be in [1, 8192], got 0") otherwise.
--- Decoders return `nil, why, "EINVAL"` on bytes they cannot read.
---
--- ```lua
--- local core = require "omni.core.media"
--- local wav = core.audio{ seconds = 1, kind = "tone" }
--- print(core.decode_wav(wav).duration)   --> 1.0
--- ```
local M = {}

---@class omni.core.media.ImageOptions
---@field width? integer default 224
---@field height? integer default 224
---@field shape? "square"|"circle"|"triangle"|"stripes"|"noise" default "square"
---@field format? "jpeg"|"png" default "jpeg"
---@field quality? integer JPEG quality (default 85)
---@field color? integer[] {r, g, b} of the shape
---@field background? integer[] {r, g, b} (default white)
---@field seed? integer

---@class omni.core.media.AudioOptions
---@field seconds? number default 5
---@field sample_rate? integer default 48000
---@field channels? integer default 1
---@field kind? "rain"|"tone"|"white"|"pink"|"chirp"|"silence" default "rain"
---@field frequency? number Hz (tone, chirp start; default 440)
---@field frequency_end? number Hz (chirp end; default 4000)
---@field amplitude? number 0..1 (default 0.5)
---@field seed? integer

---@class omni.core.media.VideoOptions
---@field width? integer default 224
---@field height? integer default 224
---@field frames? integer default 300
---@field fps? integer default 30
---@field shape? "balls"|"ball"|"square" default "balls"
---@field quality? integer JPEG quality of the MJPEG frames (default 85)
---@field threads? integer encoder threads (0: automatic)
---@field seed? integer

---@class omni.core.media.WavInfo
---@field format "pcm"|"float"
---@field channels integer
---@field sample_rate integer
---@field bits integer
---@field frames integer samples per channel
---@field duration number seconds
---@field data_offset integer
---@field data_size integer
---@field peak number largest absolute sample, 0..1
---@field rms number

---@class omni.core.media.ImageInfo
---@field format string "jpeg" or "png"
---@field width integer
---@field height integer
---@field channels integer

---@class omni.core.media.DataUrl
---@field mime string
---@field params string the ";k=v" parameters before ";base64"
---@field base64 boolean
---@field payload string the decoded bytes

--- A JPEG or PNG image with a drawn shape.
---@param opts omni.core.media.ImageOptions
---@return string bytes
function M.image(opts) end

--- A WAV file (PCM16).
---@param opts omni.core.media.AudioOptions
---@return string bytes
function M.audio(opts) end

--- An MP4 file (MJPEG frames) with a moving shape.
---@param opts omni.core.media.VideoOptions
---@return string bytes
function M.video(opts) end

--- Standard base64 with padding.
---@param s string
---@return string
function M.base64_encode(s) end

--- Decodes base64; `nil, why, "EINVAL"` on bad input.
---@param s string
---@return string? bytes
---@return string? err
---@return string? code
function M.base64_decode(s) end

--- Reads a WAV header and measures the samples.
---@param bytes string
---@return omni.core.media.WavInfo? info
---@return string? err
---@return string? code
function M.decode_wav(bytes) end

--- Reads a PNG or JPEG header.
---@param bytes string
---@return omni.core.media.ImageInfo? info
---@return string? err
---@return string? code
function M.decode_image(bytes) end

--- Splits a `data:` URL and decodes its payload.
---@param s string
---@return omni.core.media.DataUrl? url
---@return string? err
---@return string? code
function M.parse_data_url(s) end

--- The image shape names, in order.
---@type string[]
M.image_shapes = {}
--- The video shape names, in order.
---@type string[]
M.video_shapes = {}
--- The audio kind names, in order.
---@type string[]
M.audio_kinds = {}
--- Inclusive ranges {lo, hi} of every option: image_side, image_pixels,
--- quality, video_side, video_frames, video_pixels, fps, audio_seconds,
--- sample_rate, channels, audio_samples.
---@type table<string, integer[]>
M.limits = {}

return M
