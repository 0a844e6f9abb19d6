-- The decoders that check what a server returns: happy path, nil + reason
-- on bad input, raise on a wrong argument type, and no crash on garbage.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"

local function le32(n) return string.pack("<I4", n) end

omni.test("decode_wav_reports_and_rejects", { marks = { "cpu" } }, function()
  local good = media.audio { kind = "tone", seconds = 0.5, channels = 2, sample_rate = 8000 }.bytes
  local w = assert.not_nil(media.decode_wav(good))
  assert.same({ w.channels, w.sample_rate, w.bits, w.frames, w.duration, w.data_offset, w.data_size },
    { 2, 8000, 16, 4000, 0.5, 44, 16000 })

  local cases = {
    { good:sub(1, 100), "WAV: truncated: the RIFF header announces 16044 bytes, got 100" },
    { good:sub(1, 4) .. le32(36) .. good:sub(9, 40) .. le32(99999) .. good:sub(45, 80),
      "WAV: truncated: chunk 'data' at offset 36 announces 99999 bytes, 0 left" },
    { good:sub(1, 28) .. le32(1) .. good:sub(33), "WAV: byte rate 1 disagrees with 8000 Hz * 4-byte frames" },
    { "RIFX" .. good:sub(5), "WAV: not a RIFF/WAVE file" },
    { "", "WAV: shorter than the 12-byte RIFF header" },
    { "RIFF" .. le32(4) .. "WAVE", "WAV: no fmt chunk" },
  }
  for i, c in ipairs(cases) do
    local info, why, code = media.decode_wav(c[1])
    assert.is_nil(info, "case " .. i)
    assert.equal(why, c[2], "case " .. i)
    assert.equal(code, "EINVAL")
  end
  assert.raises(function() media.decode_wav(nil) end, "bad argument #1 to 'decode_wav' (string expected, got nil)")
end)

omni.test("decode_image_reports_and_rejects", { marks = { "cpu" } }, function()
  local png = media.image { format = "png", width = 30, height = 20 }.bytes
  assert.same(media.decode_image(png), { format = "png", width = 30, height = 20, channels = 3 })
  local jpg = media.image { width = 30, height = 20 }.bytes
  assert.same(media.decode_image(jpg), { format = "jpeg", width = 30, height = 20, channels = 3 })
  local cases = {
    { "GIF89a....", "image: neither a PNG nor a JPEG signature" },
    { jpg:sub(1, #jpg // 2), "image: truncated JPEG (no end-of-image marker)" },
    { png:sub(1, #png - 30), "image: cannot decode the png data" },
    { png:sub(1, 12), "image: bad png header" },
  }
  for i, c in ipairs(cases) do
    local info, why, code = media.decode_image(c[1])
    assert.is_nil(info, "case " .. i)
    assert.contains(why, c[2], "case " .. i)
    assert.equal(code, "EINVAL")
  end
  assert.raises(function() media.decode_image({}) end, "bad argument #1 to 'decode_image' (string expected, got table)")
end)

omni.test("base64_strict", { marks = { "cpu" } }, function()
  assert.equal(media.base64_encode("foobar"), "Zm9vYmFy")
  assert.equal(media.base64_encode(""), "")
  assert.equal(media.base64_decode("Zm9vYg=="), "foob")
  local all = {}
  for i = 0, 255 do all[#all + 1] = string.char(i) end
  all = table.concat(all)
  assert.equal(media.base64_decode(media.base64_encode(all)), all)
  local bad = {
    { "Zm9vYg=", "base64: length 7 is not a multiple of 4" },
    { "Zm9v\nYmFy", "base64: length 9 is not a multiple of 4" },
    { "Zm9*", "base64: invalid character '*' at offset 3" },
    { "Zm=v", "base64: '=' at offset 2 is not final padding" },
    { "Zh==", "base64: non-zero bits before the padding at offset 1" },
    { "Zm9vYm-y", "base64: invalid character '-' at offset 6" },
  }
  for _, c in ipairs(bad) do
    local v, why, code = media.base64_decode(c[1])
    assert.is_nil(v)
    assert.equal(why, c[2])
    assert.equal(code, "EINVAL")
  end
  assert.raises(function() media.base64_decode(12) end, "bad argument #1 to 'base64_decode' (string expected, got number)")
  assert.raises(function() media.base64_encode() end, "bad argument #1 to 'base64_encode'")
end)

omni.test("parse_data_url", { marks = { "cpu" } }, function()
  assert.same(media.parse_data_url("data:image/PNG;base64,aGk="),
    { mime = "image/png", params = "", base64 = true, payload = "hi" })
  assert.same(media.parse_data_url("data:text/plain;charset=utf-8,a%2Cb"),
    { mime = "text/plain", params = ";charset=utf-8", base64 = false, payload = "a,b" })
  assert.same(media.parse_data_url("data:,"), { mime = "text/plain", params = "", base64 = false, payload = "" })
  local bad = {
    { "https://x/y.jpg", "data URL: does not start with 'data:'" },
    { "data:image/png;base64", "data URL: no ',' between the header and the payload" },
    { "data:image/png;base64,aGk", "data URL payload (from offset 22): base64: length 3 is not a multiple of 4" },
    { "data:png;base64,", "data URL: media type 'png' is not type/subtype" },
    { "data:,%G1", "data URL: bad percent escape at offset 6" },
  }
  for _, c in ipairs(bad) do
    local v, why, code = media.parse_data_url(c[1])
    assert.is_nil(v)
    assert.equal(why, c[2])
    assert.equal(code, "EINVAL")
  end
  assert.raises(function() media.parse_data_url(nil) end, "bad argument #1 to 'parse_data_url'")
end)

omni.test("decoders_survive_garbage", { marks = { "cpu" } }, function()
  -- A quick in-process fuzz; the C tests and fuzz/ targets go further.
  local seeds = {
    media.audio { seconds = 0.01, sample_rate = 8000 }.bytes,
    media.image { width = 16, height = 16, format = "png" }.bytes,
    media.image { width = 16, height = 16 }.bytes,
    "data:image/jpeg;base64,/9j/4AAQ",
  }
  local rng = 12345
  local function rand(n) rng = (rng * 1103515245 + 12345) % 2147483648; return rng % n end
  for round = 1, 3000 do
    local s = seeds[round % #seeds + 1]
    local b = { s:byte(1, -1) }
    for _ = 1, rand(6) + 1 do b[rand(#b) + 1] = rand(256) end
    local cut = rand(#b + 1)
    local junk = string.char(table.unpack(b, 1, cut))
    for _, fn in ipairs { media.decode_wav, media.decode_image, media.base64_decode, media.parse_data_url } do
      local ok, v, why = pcall(fn, junk)
      assert.truthy(ok, "decoder raised on garbage")
      assert.truthy(v ~= nil or type(why) == "string")
    end
  end
end)
