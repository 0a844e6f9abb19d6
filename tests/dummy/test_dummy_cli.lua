-- `omnilua serve-dummy` as a command: the listening line and a clean exit on
-- SIGTERM, a taken port, bad flags, and the offline mode. Every command runs
-- under timeout(1), so no server outlives its test.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"
local dummy = require "omni.core.dummy"
local fs = require "omni.core.fs"
local host = require "omni.core.host"
local cjson = require "cjson"

-- Runs a shell command line; returns exit code, stdout+stderr.
local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1; echo \"exit=$?\"")
  local out = p:read("a")
  p:close()
  local code = tonumber(out:match("exit=(%d+)%s*$"))
  return code, out:gsub("exit=%d+%s*$", "")
end

local function dummy_cmd(args) return string.format("timeout -s TERM 10 %q serve-dummy %s", host.exe, args) end

omni.fixture("tmpdir", function()
  local d = os.tmpname()
  os.remove(d)
  assert.truthy(fs.mkdir(d))
  coroutine.yield(d)
  os.execute(string.format("rm -rf %q", d))
end)

omni.test("prints_listening_line_and_stops_on_sigterm", { marks = { "cpu" } }, function()
  local code, out = sh(string.format("timeout --preserve-status -s TERM 1 %q serve-dummy --port 0 --model m1", host.exe))
  assert.match(out, "omnilua serve%-dummy listening on http://127%.0%.0%.1:%d+ %(model m1%)")
  assert.equal(code, 0, "SIGTERM is a clean stop: " .. out)
end)

omni.test("port_taken_exits_1", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0 })
  local code, out = sh(dummy_cmd("--port " .. s:port()))
  assert.equal(code, 1)
  assert.match(out, "port %d+: Address already in use %(the port is taken%)")
end)

omni.test("bad_flags_are_usage_errors", { marks = { "cpu" }, params = { args = {
  { "--fault stall_after=x", "bad value for dummy setting stall_after" },
  { "--fault nope=1", "unknown dummy setting 'nope'" },
  { "--port 70000", "%-%-port must be in" },
  { "--offline", "%-%-offline needs %-%-prompts" },
  { "--itl-ms fast", "%-%-itl%-ms expects a number" },
} } }, function(args)
  local code, out = sh(dummy_cmd(args[1]))
  assert.equal(code, 4, out)
  assert.match(out, args[2])
end)

omni.test("offline_mode_writes_text_and_wav", { marks = { "cpu" } }, function(tmpdir)
  local prompts = tmpdir .. "/prompts.jsonl"
  local f = assert.not_nil(io.open(prompts, "w"))
  f:write('{"id": "q1", "prompt": "What is the capital of China?"}\n')
  f:write('{"id": 2, "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}], "modalities": ["text"]}\n')
  f:write('\n{"prompt": "hello", "max_tokens": 1}\n')
  f:close()
  local out_dir = tmpdir .. "/out"
  local code, out = sh(dummy_cmd(string.format("--offline --prompts %q --out %q", prompts, out_dir)))
  assert.equal(code, 0, out)
  assert.match(out, "3 prompts answered")
  local lines = {}
  for line in io.lines(out_dir .. "/outputs.jsonl") do lines[#lines + 1] = cjson.decode(line) end
  assert.equal(#lines, 3)
  assert.equal(lines[1].text, "The capital of China is Beijing.")
  assert.equal(io.open(out_dir .. "/q1.txt"):read("a"), lines[1].text)
  local wav = assert.not_nil(media.decode_wav(io.open(out_dir .. "/q1.wav", "rb"):read("a")))
  assert.near(wav.duration, lines[1].audio_seconds, 0.001)
  assert.contains(lines[2].text, "square")
  assert.equal(lines[2].audio_file, cjson.null)
  assert.equal(lines[3].id, "0004")
  assert.equal(lines[3].completion_tokens, 1)
end)

omni.test("offline_bad_line_names_file_and_line", { marks = { "cpu" } }, function(tmpdir)
  local prompts = tmpdir .. "/p.jsonl"
  local f = assert.not_nil(io.open(prompts, "w"))
  f:write('{"prompt": "ok"}\n{"prompt": 5}\n')
  f:close()
  local code, out = sh(dummy_cmd(string.format("--offline --prompts %q --out %q", prompts, tmpdir .. "/o")))
  assert.equal(code, 1)
  assert.match(out, "p%.jsonl:2: needs \"prompt\"")
  local code2, out2 = sh(dummy_cmd(string.format("--offline --prompts %q --out %q", tmpdir .. "/missing", tmpdir .. "/o")))
  assert.equal(code2, 1)
  assert.match(out2, "cannot read prompts file")
end)
