-- `omnilua media`: writes the same bytes as omni.media; bad input is a usage
-- error (exit 4) that names the option and its range.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"
local host = require "omni.core.host"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/media"
local run_command = dofile(HERE .. "/run_command.lua")

-- Runs argv; returns exit code, stdout, stderr (run_command.lua).
local function run(argv) return run_command(argv, 60) end

local read = dofile(HERE .. "/../helpers.lua").read

omni.fixture("tmpdir", { scope = "function" }, function()
  local dir = os.tmpname()
  os.remove(dir)
  assert.truthy(os.execute("mkdir -p '" .. dir .. "'"))
  coroutine.yield(dir)
  os.execute("rm -rf '" .. dir .. "'")
end)

local CASES = {
  { { "image" }, function() return media.image() end },
  { { "image", "--shape", "circle", "--format", "png", "--color", "255,0,0", "--seed", "4" },
    function() return media.image { shape = "circle", format = "png", color = { 255, 0, 0 }, seed = 4 } end },
  { { "audio", "--seconds", "0.5", "--kind", "chirp", "--sample-rate", "16000", "--channels", "2" },
    function() return media.audio { seconds = 0.5, kind = "chirp", sample_rate = 16000, channels = 2 } end },
  { { "video", "--frames", "10", "--width", "64", "--height", "48", "--fps", "10" },
    function() return media.video { frames = 10, width = 64, height = 48, fps = 10 } end },
}

omni.test("cli_writes_the_same_bytes", { marks = { "cpu" }, params = { case = CASES } }, function(case, tmpdir)
  local out = tmpdir .. "/out.bin"
  local argv = { host.exe, "media" }
  for _, a in ipairs(case[1]) do argv[#argv + 1] = a end
  argv[#argv + 1] = "-o"
  argv[#argv + 1] = out
  local code, _, stderr = run(argv)
  assert.equal(code, 0, stderr)
  local value = case[2]()
  assert.equal(assert.not_nil(read(out)), value.bytes)
  assert.contains(stderr, "wrote " .. out .. ": " .. tostring(value))
end)

omni.test("cli_data_url_to_stdout", { marks = { "cpu" } }, function()
  local code, out = run { host.exe, "media", "image", "--as", "data_url", "-o", "-" }
  assert.equal(code, 0)
  assert.equal(out, media.image().data_url)
end)

local BAD = {
  { { "image", "--width", "0", "-o", "x" }, "media image: width must be an integer in [1, 8192], got 0" },
  { { "image", "--width", "abc", "-o", "x" }, "--width expects an integer" },
  { { "audio", "--kind", "rian", "-o", "x" }, "unknown kind \"rian\" (did you mean 'rain'?)" },
  { { "video", "--frames", "1000000000", "-o", "x" }, "frames must be an integer in [1, 100000]" },
  { { "video" }, "media video: -o FILE is required" },
  { { "vidoe", "-o", "x" }, "media: unknown kind 'vidoe' (did you mean 'video'?)" },
  { { "image", "--frames", "3", "-o", "x" }, "unrecognized option '--frames'" },
  { { "image", "--as", "hex", "-o", "x" }, "--as must be one of bytes, base64, data_url" },
}

omni.test("cli_bad_input_is_a_usage_error", { marks = { "cpu" }, params = { case = BAD } }, function(case)
  local argv = { host.exe, "media" }
  for _, a in ipairs(case[1]) do argv[#argv + 1] = a end
  local code, _, stderr = run(argv)
  assert.equal(code, 4, stderr)
  assert.contains(stderr, case[2])
end)

omni.test("cli_unwritable_output", { marks = { "cpu" } }, function()
  local code, _, stderr = run { host.exe, "media", "image", "-o", "/nonexistent-dir/x.jpg" }
  assert.equal(code, 1)
  assert.contains(stderr, "/nonexistent-dir/x.jpg")
end)
