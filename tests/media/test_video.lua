-- omni.media.video: the reference's call, shapes, determinism, cache, errors.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"
local clock = require "omni.core.clock"

local function be32(s, at) return string.unpack(">I4", s, at) end

-- Walks the top-level boxes: returns {type = {offset, size}}, checking they
-- tile the file exactly.
local function top_boxes(bytes)
  local boxes, at = {}, 1
  while at <= #bytes do
    local size, kind = be32(bytes, at), bytes:sub(at + 4, at + 7)
    assert.truthy(size >= 8 and at + size - 1 <= #bytes, "box " .. kind .. " overruns the file")
    boxes[#boxes + 1] = kind
    at = at + size
  end
  assert.equal(at, #bytes + 1)
  return boxes
end

omni.test("video_default_is_the_reference_call", { marks = { "cpu" } }, function()
  local v = media.video { width = 224, height = 224, frames = 300 }
  assert.equal(v.type, "video")
  assert.equal(v.mime, "video/mp4")
  assert.equal(v.width, 224)
  assert.equal(v.height, 224)
  assert.equal(v.frames, 300)
  assert.equal(v.fps, 30)
  assert.equal(v.seconds, 10)
  assert.equal(v.shape, "balls")
  assert.same(top_boxes(v.bytes), { "ftyp", "moov", "mdat" })
  assert.equal(v.data_url:sub(1, 22), "data:video/mp4;base64,")
  assert.equal(media.parse_data_url(v.data_url).payload, v.bytes)
  assert.truthy(rawequal(media.video(), v))
  -- mdat holds 300 JPEG frames: count SOI markers at the stsz sizes' offsets.
  local stsz = v.bytes:find("stsz", 1, true)
  assert.equal(be32(v.bytes, stsz + 12), 300)
end)

omni.test("video_shapes_sizes_and_rates", {
  marks = { "cpu" }, params = { shape = media.video_shapes },
}, function(shape)
  local v = media.video { shape = shape, width = 48, height = 32, frames = 12, fps = 24 }
  assert.same(top_boxes(v.bytes), { "ftyp", "moov", "mdat" })
  local mdhd = v.bytes:find("mdhd", 1, true)
  assert.equal(be32(v.bytes, mdhd + 16), 24) -- timescale = fps
  assert.equal(be32(v.bytes, mdhd + 20), 12) -- duration in frames
  local other = media.video { shape = shape, width = 48, height = 32, frames = 12, fps = 24, seed = 1 }
  assert.truthy(other.bytes ~= v.bytes)
end)

omni.test("video_deterministic_and_threads_do_not_matter", { marks = { "cpu" } }, function()
  local a = media.video { frames = 40, threads = 1 }
  media.clear_cache()
  local b = media.video { frames = 40, threads = 4 }
  assert.equal(a.bytes, b.bytes)
  -- threads is not part of the identity: the cache answers.
  assert.truthy(rawequal(media.video { frames = 40, threads = 2 }, b))
end)

omni.test("video_repeated_call_is_cached", { marks = { "cpu" } }, function()
  local first = media.video().data_url
  local t0 = clock.now_ns()
  for _ = 1, 100 do
    assert.equal(media.video { width = 224, height = 224, frames = 300 }.data_url, first)
  end
  -- Not a benchmark (see bench/media): only that nothing is regenerated.
  assert.truthy(clock.now_ns() - t0 < 1e9, "100 cached calls took over a second")
end)

local BAD = {
  { { width = 0 }, "omni.media.video: width must be an integer in [16, 4096], got 0" },
  { { width = 8 }, "width must be an integer in [16, 4096], got 8" },
  { { height = 100000 }, "height must be an integer in [16, 4096], got 100000" },
  { { frames = 1e9 }, "frames must be an integer in [1, 100000], got 1000000000.0" },
  { { frames = 0 }, "frames must be an integer in [1, 100000], got 0" },
  { { frames = 2.5 }, "frames must be an integer in [1, 100000], got 2.5" },
  { { width = 4096, height = 4096, frames = 100 }, "width * height * frames must be at most 1073741824, got 4096 * 4096 * 100 = 1677721600" },
  { { fps = 0 }, "fps must be an integer in [1, 240], got 0" },
  { { fps = 29.97 }, "fps must be an integer in [1, 240], got 29.97" },
  { { shape = "sphere" }, 'unknown shape "sphere"; choose one of: balls, ball, square' },
  { { quality = -1 }, "quality must be an integer in [1, 100], got -1" },
  { { threads = -1 }, "threads must be an integer in [0, 64], got -1" },
  { { frame = 3 }, "unknown option \"frame\" (did you mean 'frames'?)" },
  { true, "options must be a table, got boolean" },
}

omni.test("video_bad_arguments", { marks = { "cpu" }, params = { case = BAD } }, function(case)
  local msg = assert.raises(function() media.video(case[1]) end, case[2])
  assert.match(msg, "^[^:]*test_video%.lua:%d+: omni%.media%.video: ")
end)
