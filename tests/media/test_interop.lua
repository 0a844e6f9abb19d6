-- What omni.media writes, read by the tools a server stack uses: ffprobe
-- (Debian ffmpeg), OpenCV (python3-opencv) and Python's wave module. A tool
-- that is missing skips its test with the reason.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/media"
local run_command = dofile(HERE .. "/run_command.lua")

-- Runs argv; returns exit code, stdout, stderr (run_command.lua).
local function run(argv) return run_command(argv, 120) end

-- Debian's python3 has cv2; a pyenv python3 earlier on PATH may not.
local function python_with(module)
  for _, py in ipairs { "/usr/bin/python3", "python3" } do
    if run { py, "-c", "import " .. module } == 0 then return py end
  end
  omni.skip("no python3 with the '" .. module .. "' module (install python3-opencv)")
end

local function need_ffprobe()
  if run { "ffprobe", "-version" } ~= 0 then omni.skip("ffprobe not found (install ffmpeg)") end
end

omni.fixture("tmpfile", { scope = "function" }, function()
  local path = os.tmpname()
  coroutine.yield(path)
  os.remove(path)
end)

-- ffprobe -show_entries as key=value lines -> table
local function probe(path, entries, extra)
  local argv = { "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", entries, "-of", "default=nw=1" }
  for _, a in ipairs(extra or {}) do argv[#argv + 1] = a end
  argv[#argv + 1] = path
  local code, out, err = run(argv)
  assert.equal(code, 0, err)
  local t = {}
  for k, v in out:gmatch("([%w_]+)=([^\n]*)") do t[k] = v end
  return t
end

local VIDEOS = {
  { width = 224, height = 224, frames = 300 }, -- the spec's call
  { width = 64, height = 48, frames = 7, fps = 12, shape = "square" },
  { width = 33, height = 17, frames = 1, fps = 1, shape = "ball" },
}

omni.test("video_ffprobe_counts_every_frame", { marks = { "cpu" }, params = { opts = VIDEOS } }, function(opts, tmpfile)
  need_ffprobe()
  local v = media.video(opts)
  assert.truthy(v:save(tmpfile))
  local s = probe(tmpfile, "stream=codec_name,width,height,r_frame_rate,avg_frame_rate,nb_frames,nb_read_frames",
    { "-count_frames" })
  assert.equal(s.codec_name, "mjpeg")
  assert.equal(tonumber(s.width), v.width)
  assert.equal(tonumber(s.height), v.height)
  assert.equal(s.r_frame_rate, v.fps .. "/1")
  assert.equal(s.avg_frame_rate, v.fps .. "/1")
  assert.equal(tonumber(s.nb_frames), v.frames)
  assert.equal(tonumber(s.nb_read_frames), v.frames) -- decoded, not just indexed
  local f = probe(tmpfile, "format=duration,format_name")
  assert.near(tonumber(f.duration), v.frames / v.fps, 0.002)
end)

local OPENCV = [[
import sys, cv2
cap = cv2.VideoCapture(sys.argv[1])
assert cap.isOpened(), "VideoCapture could not open the file"
count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
fps = cap.get(cv2.CAP_PROP_FPS)
w, h = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
decoded, lit = 0, 0
while True:
    ok, frame = cap.read()
    if not ok:
        break
    assert frame.shape == (h, w, 3), frame.shape
    decoded += 1
    lit += int(frame.max() > 100)  # something drawn on the black background
print(count, fps, w, h, decoded, lit)
]]

omni.test("video_opencv_reads_every_frame", { marks = { "cpu" }, params = { opts = VIDEOS } }, function(opts, tmpfile)
  local py = python_with("cv2")
  local v = media.video(opts)
  assert.truthy(v:save(tmpfile))
  local code, out, err = run { py, "-c", OPENCV, tmpfile }
  assert.equal(code, 0, err)
  local count, fps, w, h, decoded, lit = out:match("^(%d+) ([%d.]+) (%d+) (%d+) (%d+) (%d+)")
  assert.not_nil(count, "unexpected output: " .. out)
  assert.equal(tonumber(count), v.frames, "CAP_PROP_FRAME_COUNT")
  assert.near(tonumber(fps), v.fps, 1e-6, "CAP_PROP_FPS")
  assert.equal(tonumber(w), v.width)
  assert.equal(tonumber(h), v.height)
  assert.equal(tonumber(decoded), v.frames, "frames decoded by cap.read()")
  assert.equal(tonumber(lit), v.frames, "frames showing the moving shape")
end)

local WAVE = [[
import sys, wave
with wave.open(sys.argv[1]) as w:
    print(w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes(), len(w.readframes(w.getnframes())))
]]

omni.test("audio_python_wave_and_ffprobe", {
  marks = { "cpu" }, params = { kind = media.audio_kinds },
}, function(kind, tmpfile)
  local a = media.audio { kind = kind, seconds = 1.5, channels = 2, sample_rate = 44100 }
  assert.truthy(a:save(tmpfile))
  local code, out, err = run { python_with("wave"), "-c", WAVE, tmpfile }
  assert.equal(code, 0, err)
  assert.equal(out, string.format("2 2 44100 66150 %d\n", 66150 * 4))
  need_ffprobe()
  local c2, o2, e2 = run { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels,duration",
    "-of", "default=nw=1", tmpfile }
  assert.equal(c2, 0, e2)
  assert.contains(o2, "codec_name=pcm_s16le")
  assert.contains(o2, "sample_rate=44100")
  assert.contains(o2, "channels=2")
  assert.contains(o2, "duration=1.500000")
end)

local IMAGE_CV = [[
import sys, cv2
img = cv2.imread(sys.argv[1], cv2.IMREAD_UNCHANGED)
assert img is not None, "imread failed"
print(img.shape[1], img.shape[0], img.shape[2] if img.ndim == 3 else 1)
]]

omni.test("image_ffprobe_and_opencv", {
  marks = { "cpu" }, params = { format = { "jpeg", "png" }, shape = media.image_shapes },
}, function(format, shape, tmpfile)
  local img = media.image { format = format, shape = shape, width = 123, height = 77 }
  assert.truthy(img:save(tmpfile))
  need_ffprobe()
  local s = probe(tmpfile, "stream=codec_name,width,height")
  assert.equal(s.codec_name, format == "jpeg" and "mjpeg" or "png")
  assert.equal(s.width, "123")
  assert.equal(s.height, "77")
  local code, out, err = run { python_with("cv2"), "-c", IMAGE_CV, tmpfile }
  assert.equal(code, 0, err)
  assert.equal(out, "123 77 3\n")
end)
