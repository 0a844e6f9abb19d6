-- omni.server: start/stop, startup failures (never starts, dies, port
-- taken) classified within their bounds and with the log tail, no orphaned
-- process, stage config edits by run level, templates, external servers.
local omni = require "omni"
local assert = require "omni.assert"
local server = require "omni.server"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"

local MARKS = { "core_model", "cpu" }
local DUMMY = { model = "omni-dummy", stage_config = "dummy.yaml" }

local function gone(pid)
  -- a reaped process has no /proc entry (a zombie would still have one)
  return fs.stat("/proc/" .. pid) == nil
end

local function timed(fn)
  local t0 = clock.now_ns()
  local a, b, c = fn()
  return (clock.now_ns() - t0) / 1e9, a, b, c
end

omni.test("start_and_stop_the_dummy", { marks = MARKS }, function(tmp_path)
  local took, s = timed(function() return server.start(DUMMY, { log_dir = tmp_path }) end)
  assert.not_nil(s)
  assert.truthy(took < 10, "startup took " .. took)
  assert.match(s.base_url, "^http://127%.0%.0%.1:%d+/v1$")
  assert.same(s.models, { "omni-dummy" })
  assert.truthy(s:alive())
  local pid = s.pid
  s:stop()
  assert.falsy(s:alive())
  assert.truthy(gone(pid), "pid " .. pid .. " still exists")
  s:stop() -- twice is harmless
end)

omni.test("server_that_never_starts", { marks = MARKS }, function(tmp_path)
  -- a sleep length no other test uses, so that the check below counts only ours
  local nap = string.format("%d.%03d", 60, require("omni.core.clock").now_ns() % 1000)
  local took, s, err, code = timed(function()
    return server.start({ model = "m", engine = "vllm", startup_timeout = 1,
      template = { "sh", "-c", "echo loading weights; exec sleep " .. nap } }, { log_dir = tmp_path })
  end)
  assert.is_nil(s)
  assert.equal(code, "ETIMEDOUT")
  assert.match(err, "was not ready within 1 s")
  assert.match(err, "loading weights") -- the log tail
  assert.truthy(took < 5, "took " .. took)
  -- the sleeping server was stopped: nothing of it is left
  local r = require("omni.proc").run({ "sh", "-c", "ps -eo args | grep -c '^sleep " .. nap .. "$' || true" }, { timeout = 5 })
  assert.equal(r.stdout, "0\n")
end)

omni.test("server_that_dies_during_startup", { marks = MARKS }, function(tmp_path)
  local script = "for i in $(seq 1 30); do echo log line $i; done; echo fatal: no GPU >&2; exit 3"
  local took, s, err, code = timed(function()
    return server.start({ model = "m", engine = "vllm", template = { "sh", "-c", script } }, { log_dir = tmp_path })
  end)
  assert.is_nil(s)
  assert.equal(code, "EDIED")
  assert.match(err, "exited with code 3 during startup")
  assert.match(err, "last 20 lines of")
  assert.match(err, "fatal: no GPU")
  assert.match(err, "log line 30")
  assert.falsy(err:find("log line 10\n", 1, true), "more than 20 lines shown")
  assert.truthy(took < 5)
end)

omni.test("port_taken", { marks = MARKS }, function(tmp_path)
  local a = assert(server.start(DUMMY, { log_dir = tmp_path }))
  local p = { model = "omni-dummy", stage_config = "dummy.yaml", port = a.port }
  local s, err, code = server.start(p, { log_dir = tmp_path })
  assert.is_nil(s)
  assert.equal(code, "EADDRINUSE")
  assert.match(err, "port " .. a.port .. " is taken")
  assert.truthy(a:alive(), "the first server must be left alone")
  a:stop()
  -- a server that reports the port in use itself
  local s2, err2, code2 = server.start({ model = "m", engine = "vllm",
    template = { "sh", "-c", "echo 'OSError: [Errno 98] Address already in use' >&2; exit 1" } }, { log_dir = tmp_path })
  assert.is_nil(s2)
  assert.equal(code2, "EADDRINUSE")
  assert.match(err2, "is taken")
end)

omni.test("server_serving_another_model", { marks = MARKS }, function(tmp_path)
  local s, err, code = server.start({ model = "wanted", engine = "dummy", server_args = { "--model", "other" } },
    { log_dir = tmp_path })
  assert.is_nil(s)
  assert.equal(code, "EMODEL")
  assert.match(err, "serves %[other%], not wanted")
end)

omni.test("advanced_level_drops_load_format_of_stages_0_to_2", { marks = MARKS }, function()
  local sc = require "omni.stage_config"
  local core = server.stage_config_for({ model = "m", stage_config = "qwen3_omni_ci.yaml" }, "core_model")
  assert.equal(core, sc.path("qwen3_omni_ci.yaml"))
  local adv = assert(server.stage_config_for({ model = "m", stage_config = "qwen3_omni_ci.yaml" }, "advanced_model"))
  assert.truthy(adv ~= core)
  local cfg = assert(sc.load(adv, { validate = false }))
  for _, st in ipairs(cfg.stage_args) do
    if st.stage_id <= 2 then assert.is_nil(st.engine_args.load_format, "stage " .. st.stage_id) end
  end
  local orig = assert(sc.load(core, { validate = false }))
  assert.equal(orig.stage_args[1].engine_args.load_format, "dummy") -- the original is untouched
  -- the param's own update/delete go through omni.stage_config too
  local edited = assert(server.stage_config_for({ model = "m", stage_config = "dummy.yaml",
    update = { stage_args = { ["0"] = { ["engine_args.max_model_len"] = 4096 } } },
    delete = { stage_args = { [1] = { "custom_process_input_func" } } } }, "advanced_model"))
  local e = assert(sc.load(edited, { validate = false }))
  assert.equal(e.stage_args[1].engine_args.max_model_len, 4096)
  assert.is_nil(e.stage_args[2].custom_process_input_func)
  assert.is_nil(e.stage_args[2].engine_args.load_format)
  local _, serr = server.stage_config_for({ model = "m", stage_config = "dummy.yaml",
    update = { stage_args = { [7] = { x = 1 } } } }, "core_model")
  assert.match(serr, "stage_id 7")
end)

omni.test("templates_expand", { marks = MARKS }, function()
  local argv = server.expand(server.VLLM_TEMPLATE, { model = "Qwen/X", host = "127.0.0.1", port = 8123,
    stage_config = "/s.yaml", server_args = { "--max-model-len", 4096 } })
  assert.same(argv, { "vllm", "serve", "Qwen/X", "--omni", "--host", "127.0.0.1", "--port", "8123",
    "--stage-configs-path", "/s.yaml", "--stage-init-timeout", "120", "--max-model-len", "4096" })
  local no_sc = server.expand(server.VLLM_TEMPLATE, { model = "m", host = "h", port = 1 })
  assert.falsy(table.concat(no_sc, " "):find("stage%-configs"))
  assert.same(server.expand("python -m 'my engine' --port {port} {server_args}", { port = 9, server_args = { "-v" } }),
    { "python", "-m", "my engine", "--port", "9", "-v" })
  assert.equal(server.engine_of(DUMMY), "dummy")
  assert.equal(server.engine_of({ model = "Qwen/Qwen3-Omni-30B-A3B-Instruct", stage_config = "qwen3_omni_ci.yaml" }), "vllm")
end)

omni.test("connect_to_a_running_server", { marks = MARKS }, function(tmp_path)
  local a = assert(server.start(DUMMY, { log_dir = tmp_path }))
  local s = assert(server.connect(a.url .. "/v1/", DUMMY))
  assert.truthy(s.external)
  assert.equal(s.base_url, a.base_url)
  assert.equal(s.model, "omni-dummy")
  s:stop() -- does nothing to a server it did not start
  assert.truthy(a:alive())
  local _, err, code = server.connect(a.url, { model = "Qwen/Other", stage_config = "qwen3_omni_ci.yaml" })
  assert.equal(code, "EMODEL")
  assert.match(err, "serves %[omni%-dummy%], not Qwen/Other")
  a:stop()
  local _, err2 = server.connect(a.url, DUMMY)
  assert.match(err2, "is not usable")
end)

omni.test("api_key_stays_secret", { marks = MARKS }, function(tmp_path)
  local secret = "sk-omnilua-server-test-91a7"
  local s = assert(server.start({ model = "omni-dummy", stage_config = "dummy.yaml",
    env = { OMNILUA_DUMMY_API_KEY = secret } }, { log_dir = tmp_path, api_key = secret }))
  local openai = require "omni.openai"
  local c = openai.new { base_url = s.base_url, api_key = secret }
  assert.falsy(tostring(c):find(secret, 1, true))
  for k, v in pairs(c) do assert.falsy(tostring(v):find(secret, 1, true), "client field " .. k) end
  local rs = c:send_request({ model = "omni-dummy", messages = { { role = "user", content = "hi" } },
    key_words = { text = { "paris" } } }, { run_level = "advanced_model", raise = false })
  assert.match(rs[1].error, "key_words")
  local bad = openai.new { base_url = s.base_url, api_key = "wrong-" .. secret }
  local ok, err = pcall(bad.send_request, bad, { model = "omni-dummy", messages = { { role = "user", content = "hi" } } })
  assert.falsy(ok)
  assert.match(err.message, "HTTP 401")
  assert.falsy(err.message:find(secret, 1, true), err.message)
  s:stop()
  local log = assert(io.open(s.log_path)):read("a")
  assert.falsy(log:find(secret, 1, true), "the key is in the server log")
  local _, serr = server.connect(s.url, nil, { api_key = secret })
  assert.falsy(serr:find(secret, 1, true))
end)
