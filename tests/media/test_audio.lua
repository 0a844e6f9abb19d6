-- omni.media.audio: every kind decodes as the WAV it claims to be; errors.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"

omni.test("audio_default_is_the_reference_rain", { marks = { "cpu" } }, function()
  local a = media.audio()
  assert.equal(a.type, "audio")
  assert.equal(a.kind, "rain")
  assert.equal(a.mime, "audio/wav")
  assert.equal(a.seconds, 5)
  assert.equal(a.sample_rate, 48000)
  assert.equal(a.channels, 1)
  assert.equal(a.frames, 240000)
  local w = assert.not_nil(media.decode_wav(a.bytes))
  assert.equal(w.format, "pcm")
  assert.equal(w.bits, 16)
  assert.equal(w.channels, 1)
  assert.equal(w.sample_rate, 48000)
  assert.equal(w.frames, 240000)
  assert.near(w.duration, 5, 1e-9)
  assert.near(w.peak, 0.8, 1e-3) -- normalised to peak 0.8
  assert.truthy(w.rms > 0.02 and w.rms < 0.3, "rain is neither silence nor full-scale noise")
  -- The spec's call generate_synthetic_audio(5, 1) is the same value.
  assert.truthy(rawequal(media.audio { seconds = 5, channels = 1 }, a))
end)

omni.test("audio_input_audio_part", { marks = { "cpu" } }, function()
  local a = media.audio { seconds = 1, channels = 2, sample_rate = 16000 }
  local part = a.input_audio
  assert.same(part, { data = a.base64, format = "wav" })
  assert.equal(media.base64_decode(part.data), a.bytes)
  assert.falsy(rawequal(part, a.input_audio), "each access gives a fresh table")
  assert.equal(a.data_url:sub(1, 22), "data:audio/wav;base64,")
  assert.equal(tostring(a), "omni.media.audio(rain, 1 s, 16000 Hz, 2 ch, " .. a.size .. " bytes)")
end)

local KINDS = {
  { kind = "rain", peak = 0.8 },
  { kind = "tone", peak = 0.5 },
  { kind = "white", peak = 0.5 },
  { kind = "pink", peak = nil },
  { kind = "chirp", peak = 0.5 },
  { kind = "silence", peak = 0 },
}

omni.test("audio_kinds", { marks = { "cpu" }, params = { k = KINDS, channels = { 1, 2 } } }, function(k, channels)
  local a = media.audio { kind = k.kind, seconds = 0.5, channels = channels, sample_rate = 22050 }
  local w = assert.not_nil(media.decode_wav(a.bytes))
  assert.equal(w.channels, channels)
  assert.equal(w.sample_rate, 22050)
  assert.equal(w.frames, 11025)
  assert.equal(#a.bytes, 44 + 11025 * channels * 2)
  if k.peak then assert.near(w.peak, k.peak, 0.02) end
  if k.kind ~= "silence" then assert.truthy(w.rms > 0.01) end
end)

omni.test("audio_options", { marks = { "cpu" } }, function()
  local quiet = media.decode_wav(media.audio { kind = "tone", amplitude = 0.1, seconds = 0.1 }.bytes)
  assert.near(quiet.peak, 0.1, 1e-3)
  local a = media.audio { kind = "tone", frequency = 1000, seconds = 0.1 }
  local b = media.audio { kind = "tone", frequency = 1001, seconds = 0.1 }
  assert.truthy(a.bytes ~= b.bytes)
  local c1 = media.audio { kind = "chirp", frequency = 100, frequency_end = 8000, seconds = 0.1 }
  local c2 = media.audio { kind = "chirp", frequency = 100, frequency_end = 7000, seconds = 0.1 }
  assert.truthy(c1.bytes ~= c2.bytes)
  assert.truthy(media.audio { seed = 1, seconds = 0.5 }.bytes ~= media.audio { seconds = 0.5 }.bytes)
  -- Odd durations round to whole samples.
  assert.equal(media.audio { seconds = 0.00005, sample_rate = 48000 }.frames, 2)
  -- Determinism across the cache.
  local r = media.audio { seconds = 0.3, seed = 9 }.bytes
  media.clear_cache()
  assert.equal(media.audio { seconds = 0.3, seed = 9 }.bytes, r)
end)

local BAD = {
  { { seconds = 0 }, "omni.media.audio: seconds must be a number in (0, 3600], got 0" },
  { { seconds = -1 }, "seconds must be a number in (0, 3600], got -1" },
  { { seconds = 1e9 }, "seconds must be a number in (0, 3600], got 1000000000.0" },
  { { seconds = 0 / 0 }, "seconds must be a number in (0, 3600]" },
  { { seconds = 0.000001 }, "seconds 1e-06 is less than one sample at 48000 Hz" },
  { { seconds = 3600, channels = 8 }, "seconds * sample_rate * channels must be at most 67108864, got 1382400000" },
  { { channels = 0 }, "channels must be an integer in [1, 8], got 0" },
  { { channels = 1.5 }, "channels must be an integer in [1, 8], got 1.5" },
  { { sample_rate = 100 }, "sample_rate must be an integer in [8000, 192000], got 100" },
  { { kind = "rian" }, "unknown kind \"rian\" (did you mean 'rain'?); choose one of: rain, tone, white, pink, chirp, silence" },
  { { frequency = 24000 }, "frequency must be a number in (0, 24000), got 24000" },
  { { frequency = 0 }, "frequency must be a number in (0, 24000), got 0" },
  { { frequency_end = 5000, sample_rate = 8000 }, "frequency_end must be a number in (0, 4000), got 5000" },
  { { amplitude = 2 }, "amplitude must be a number in [0, 1], got 2" },
  { { seed = "x" }, 'seed must be an integer, got "x"' },
  { { duration = 5 }, 'unknown option "duration"' },
  { 5, "options must be a table, got number" },
}

omni.test("audio_bad_arguments", { marks = { "cpu" }, params = { case = BAD } }, function(case)
  local msg = assert.raises(function() media.audio(case[1]) end, case[2])
  assert.match(msg, "^[^:]*test_audio%.lua:%d+: omni%.media%.audio: ")
end)
