-- `omnilua serve-dummy` as a command: the listening line and a clean exit on
-- SIGTERM, a taken port, bad flags, stage configs, and the offline mode.
-- Every command runs through omni.proc with a timeout (the runner tracks
-- and kills them), so no server outlives its test.
local omni = require "omni"
local assert = require "omni.assert"
local media = require "omni.media"
local dummy = require "omni.core.dummy"
local fs = require "omni.core.fs"
local host = require "omni.core.host"
local proc = require "omni.proc"
local http = require "omni.http"
local clock = require "omni.core.clock"
local cjson = require "cjson"

-- Runs `omnilua serve-dummy ARGS...` to its end (at most 10 s); returns exit
-- code, stdout+stderr.
local function serve_dummy(...)
  local r = assert.not_nil(proc.run({ host.exe, "serve-dummy", ... }, { timeout = 10 }))
  assert.falsy(r.timed_out, "serve-dummy did not end: " .. r.stdout .. r.stderr)
  return r.code, r.stdout .. r.stderr
end

-- Starts a server in the background; returns the process, its base URL and
-- its log (what it printed until it listened).
local function start_dummy(tmpdir, ...)
  local log = tmpdir .. "/serve.log"
  local p = assert.not_nil(proc.spawn({ host.exe, "serve-dummy", "--port", "0", ... }, { stdout = log, stderr = log }))
  local t0, text = clock.now_ns(), ""
  repeat
    clock.sleep(0.02)
    local f = io.open(log)
    text = f and f:read("a") or ""
    if f then f:close() end
  until text:find("listening on", 1, true) or not p:alive() or clock.now_ns() - t0 > 10e9
  local port = text:match("http://127%.0%.0%.1:(%d+)")
  if not port then p:stop(2) end
  assert.not_nil(port, "serve-dummy did not listen: " .. text)
  return p, "http://127.0.0.1:" .. port, text
end

omni.fixture("tmpdir", function()
  local d = os.tmpname()
  os.remove(d)
  assert.truthy(fs.mkdir(d))
  coroutine.yield(d)
  proc.run({ "rm", "-rf", d }, { timeout = 10 })
end)

omni.test("prints_listening_line_and_stops_on_sigterm", { marks = { "cpu" } }, function(tmpdir)
  local p, _, out = start_dummy(tmpdir, "--model", "m1")
  assert.match(out, "omnilua serve%-dummy listening on http://127%.0%.0%.1:%d+ %(model m1%)")
  assert.truthy(p:signal("TERM"))
  local code, sig = p:wait(10)
  if sig == "timeout" then p:stop(1) end
  assert.equal(code, 0, "SIGTERM is a clean stop (" .. tostring(sig) .. ")")
end)

omni.test("port_taken_exits_1", { marks = { "cpu" } }, function()
  local s <close> = assert.not_nil(dummy.start { port = 0 })
  local code, out = serve_dummy("--port", tostring(s:port()))
  assert.equal(code, 1)
  assert.match(out, "port %d+: Address already in use %(the port is taken%)")
end)

omni.test("bad_flags_are_usage_errors", { marks = { "cpu" }, params = { args = {
  { "--fault stall_after=x", "bad value for dummy setting stall_after" },
  { "--fault nope=1", "unknown dummy setting 'nope'" },
  { "--port 70000", "%-%-port must be in" },
  { "--offline", "%-%-offline needs %-%-prompts" },
  { "--itl-ms fast", "%-%-itl%-ms expects a number" },
  { "--stage-config /nonexistent/x.yaml", "%-%-stage%-config: .*x%.yaml" },
  { "--max-body-mib 0", "%-%-max%-body%-mib must be in" },
  { "--max-model-len 0", "%-%-max%-model%-len must be in" },
  { "--max-model-len many", "%-%-max%-model%-len expects" },
} } }, function(args)
  local argv = {}
  for w in args[1]:gmatch("%S+") do argv[#argv + 1] = w end
  local code, out = serve_dummy(table.unpack(argv))
  assert.equal(code, 4, out)
  assert.match(out, args[2])
end)

omni.test("offline_mode_writes_text_and_wav", { marks = { "cpu" } }, function(tmpdir)
  local prompts = tmpdir .. "/prompts.jsonl"
  local f = assert.not_nil(io.open(prompts, "w"))
  f:write('{"id": "q1", "prompt": "What is the capital of China?"}\n')
  f:write('{"id": 2, "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]}], "modalities": ["text"]}\n')
  f:write('\n{"prompt": "hello", "max_tokens": 1}\n')
  f:close()
  local out_dir = tmpdir .. "/out"
  local code, out = serve_dummy("--offline", "--prompts", prompts, "--out", out_dir)
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
  local code, out = serve_dummy("--offline", "--prompts", prompts, "--out", tmpdir .. "/o")
  assert.equal(code, 1)
  assert.match(out, "p%.jsonl:2: needs \"prompt\"")
  local code2, out2 = serve_dummy("--offline", "--prompts", tmpdir .. "/missing", "--out", tmpdir .. "/o")
  assert.equal(code2, 1)
  assert.match(out2, "cannot read prompts file")
end)

omni.test("stage_config_is_loaded_and_shown", { marks = { "cpu" } }, function(tmpdir)
  local p, base, out = start_dummy(tmpdir, "--stage-config", "dummy.yaml")
  local ok, err = pcall(function()
    assert.match(out, "stage config dummy%.yaml %(3 stages%)")
    local r = assert.not_nil(http.request { url = base .. "/debug/stage_config", timeout = 5 })
    local j = cjson.decode(r.body)
    assert.match(j.stage_config, "stage_configs/dummy%.yaml$")
    assert.equal(#j.stages, 3)
    assert.equal(j.stages[1].model_stage, "thinker")
    assert.equal(j.stages[3].final_output_type, "audio")
  end)
  p:stop(2)
  assert.truthy(ok, err)
end)

omni.test("stage_config_without_audio_stage_is_text_only", { marks = { "cpu" } }, function(tmpdir)
  local path = tmpdir .. "/thinker_only.yaml"
  local f = assert.not_nil(io.open(path, "w"))
  f:write([[
stage_args:
  - stage_id: 0
    stage_type: llm
    engine_args:
      model_stage: thinker
      model_arch: OmniDummyForConditionalGeneration
      load_format: dummy
    final_output: true
    final_output_type: text
]])
  f:close()
  local p, base, out = start_dummy(tmpdir, "--stage-config", path)
  local ok, err = pcall(function()
    assert.match(out, "1 stages, no final audio stage: text%-only")
    local r = assert.not_nil(http.request { url = base .. "/v1/chat/completions", timeout = 10,
      body = { model = "omni-dummy", messages = { { role = "user", content = "hi" } } } })
    local j = cjson.decode(r.body)
    assert.equal(#j.choices, 1, "no audio choice")
  end)
  p:stop(2)
  assert.truthy(ok, err)
end)

omni.test("bad_stage_config_is_rejected", { marks = { "cpu" } }, function(tmpdir)
  local broken = tmpdir .. "/broken.yaml"
  local f = assert.not_nil(io.open(broken, "w"))
  f:write("stage_args:\n  - stage_id: [unclosed\n")
  f:close()
  local code, out = serve_dummy("--stage-config", broken)
  assert.equal(code, 4, out)
  assert.match(out, "ERROR: serve%-dummy: %-%-stage%-config: .*broken%.yaml:%d+")
  local wrong = tmpdir .. "/wrong.yaml"
  f = assert.not_nil(io.open(wrong, "w"))
  f:write("stage_args:\n  - stage_type: llm\n")
  f:close()
  code, out = serve_dummy("--stage-config", wrong)
  assert.equal(code, 4, out)
  assert.match(out, "wrong%.yaml")
  assert.falsy(out:find("listening", 1, true), "never started")
end)

omni.test("limits_are_settable_from_the_command_line", { marks = { "cpu" } }, function(tmpdir)
  local p, base = start_dummy(tmpdir, "--max-body-mib", "0.01", "--max-model-len", "5")
  local function chat(text)
    return assert.not_nil(http.request { url = base .. "/v1/chat/completions", timeout = 10,
      body = { model = "omni-dummy", modalities = { "text" }, messages = { { role = "user", content = text } } } })
  end
  local ok, big, long = chat("one two three"), chat(string.rep("x", 11000)), chat("one two three four five six")
  local models = cjson.decode(http.request { url = base .. "/v1/models", timeout = 10 }.body)
  p:stop(2)
  assert.equal(ok.status, 200)
  assert.equal(big.status, 413)
  assert.equal(long.status, 400)
  assert.match(long.body, "maximum context length is 5 tokens")
  assert.equal(models.data[1].max_model_len, 5)
end)
