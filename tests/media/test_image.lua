-- omni.media.image: defaults, shapes, formats, options, cache, errors.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"

omni.test("image_default_is_the_reference_square_jpeg", { marks = { "cpu" } }, function()
  local img = media.image()
  assert.equal(img.type, "image")
  assert.equal(img.mime, "image/jpeg")
  assert.equal(img.width, 224)
  assert.equal(img.height, 224)
  assert.equal(img.shape, "square")
  assert.equal(img.size, #img.bytes)
  assert.equal(img.bytes:sub(1, 3), "\xFF\xD8\xFF")
  local info = assert.not_nil(media.decode_image(img.bytes))
  assert.same(info, { format = "jpeg", width = 224, height = 224, channels = 3 })
  -- The spec's call: explicit 224x224 is the same value as the default.
  assert.truthy(rawequal(media.image { width = 224, height = 224 }, img))
end)

omni.test("image_shapes_and_formats_decode", {
  marks = { "cpu" },
  params = { shape = media.image_shapes, format = { "jpeg", "png" } },
}, function(shape, format)
  local img = media.image { shape = shape, format = format, width = 64, height = 40, seed = 3 }
  assert.equal(img.mime, "image/" .. format)
  local info = assert.not_nil(media.decode_image(img.bytes))
  assert.equal(info.format, format)
  assert.equal(info.width, 64)
  assert.equal(info.height, 40)
end)

omni.test("image_encodings", { marks = { "cpu" } }, function()
  local img = media.image { format = "png" }
  assert.equal(img.base64, media.base64_encode(img.bytes))
  assert.equal(media.base64_decode(img.base64), img.bytes)
  assert.equal(img.data_url, "data:image/png;base64," .. img.base64)
  local parsed = assert.not_nil(media.parse_data_url(img.data_url))
  assert.equal(parsed.mime, "image/png")
  assert.equal(parsed.payload, img.bytes)
  assert.match(tostring(img), "^omni%.media%.image%(224x224 png, %d+ bytes%)$")
end)

omni.test("image_options_change_the_bytes", { marks = { "cpu" } }, function()
  local base = media.image { format = "png" }
  local variants = {
    media.image { format = "png", seed = 1 },
    media.image { format = "png", color = { 255, 0, 0 } },
    media.image { format = "png", color = "#00ff00" },
    media.image { format = "png", color = "red", background = "black" },
    media.image { format = "png", width = 100 },
    media.image { format = "jpg" }, -- alias of jpeg
    media.image { quality = 20 },
  }
  local seen = { [base.bytes] = true }
  for i, v in ipairs(variants) do
    assert.falsy(seen[v.bytes], "variant " .. i .. " repeats earlier bytes")
    seen[v.bytes] = true
  end
  assert.equal(media.image { format = "jpg" }.mime, "image/jpeg")
  -- Equal options spelled differently are one cache entry.
  assert.truthy(rawequal(media.image { color = "red" }, media.image { color = { 255, 0, 0 } }))
  assert.truthy(rawequal(media.image { width = 10.0 }, media.image { width = 10 }))
end)

omni.test("image_same_bytes_after_cache_clear", { marks = { "cpu" } }, function()
  local a = media.image { shape = "triangle", seed = 42 }
  media.clear_cache()
  local b = media.image { shape = "triangle", seed = 42 }
  assert.falsy(rawequal(a, b))
  assert.equal(a.bytes, b.bytes)
end)

omni.test("image_value_is_read_only", { marks = { "cpu" } }, function()
  local img = media.image()
  assert.raises(function() img.bytes = "x" end, "media values are read%-only %(cannot set 'bytes'%)")
  assert.raises(function() img.extra = 1 end, "cannot set 'extra'")
  local keys = {}
  for k in pairs(img) do keys[#keys + 1] = k end
  table.sort(keys)
  assert.same(keys, { "base64", "bytes", "data_url", "format", "height", "mime", "shape", "size", "type", "width" })
end)

omni.test("image_save", { marks = { "cpu" } }, function()
  local path = os.tmpname()
  local img = media.image { format = "png" }
  assert.truthy(img:save(path))
  local f = assert.not_nil(io.open(path, "rb"))
  assert.equal(f:read("a"), img.bytes)
  f:close()
  os.remove(path)
  local ok, err = img:save("/nonexistent-dir/x.png")
  assert.is_nil(ok)
  assert.match(err, "nonexistent%-dir")
  assert.raises(function() img:save(42) end, "save expects a file path, got number")
end)

local BAD = {
  { { width = 0 }, "omni.media.image: width must be an integer in %[1, 8192%], got 0" },
  { { width = -5 }, "width must be an integer in %[1, 8192%], got %-5" },
  { { height = 224.5 }, "height must be an integer in %[1, 8192%], got 224.5" },
  { { width = "224" }, 'width must be an integer in %[1, 8192%], got "224"' },
  { { width = 100000, height = 100000 }, "width must be an integer in %[1, 8192%], got 100000" },
  { { width = 8192, height = 8192 }, "width %* height must be at most 16777216, got 8192 %* 8192 = 67108864" },
  { { shape = "hexagon" }, 'unknown shape "hexagon"; choose one of: square, circle, triangle, stripes, noise' },
  { { shape = "squre" }, "did you mean 'square'" },
  { { format = "gif" }, 'unknown format "gif"; choose one of: jpeg, png' },
  { { quality = 0 }, "quality must be an integer in %[1, 100%], got 0" },
  { { quality = 101 }, "quality must be an integer in %[1, 100%], got 101" },
  { { color = { 1, 2 } }, "color must be {r, g, b} with integers in [0, 255], '#rrggbb' or one of black, blue, gray, green, orange, purple, red, white, yellow; got { 1, 2 }" },
  { { color = { 0, 0, 256 } }, "color must be" },
  { { background = "#12345" }, 'background must be .*got "#12345"' },
  { { seed = 1.5 }, "seed must be an integer, got 1.5" },
  { { widht = 10 }, "unknown option \"widht\" %(did you mean 'width'%?%); options are: width, height" },
  { "big", "options must be a table, got string" },
}

omni.test("image_bad_arguments", { marks = { "cpu" }, params = { case = BAD } }, function(case)
  local msg = assert.raises(function() media.image(case[1]) end, case[2])
  -- The error points at the caller's line, not inside omni.media.
  assert.match(msg, "^[^:]*test_image%.lua:%d+: ")
end)
