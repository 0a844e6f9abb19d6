-- Interop with code nobody here wrote: the official `openai` npm client
-- drives the dummy server (streaming and not), and omnilua's client checks
-- an OpenAI-compatible mock server from npm (@dwmkerr/mock-llm) at core
-- level. Both packages live in tests/interop/node (installed by
-- `npm ci --prefix tests/interop/node`); without them the tests skip.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local server = require "omni.server"
local fs = require "omni.core.fs"
local cjson = require "cjson"

local MARKS = { "core_model", "cpu" }
-- next to this file (host.root is the build folder, which has no tests/)
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local NODE_DIR = (fs.realpath(HERE) or HERE) .. "/node"

local function need(module_dir)
  if not server.on_path("node") then omni.skip("node is not installed") end
  if not fs.stat(NODE_DIR .. "/node_modules/" .. module_dir) then
    omni.skip("tests/interop/node is not installed: run `npm ci --prefix tests/interop/node`")
  end
end

omni.test("openai_npm_client_drives_the_dummy", { marks = MARKS, timeout = 120 }, function(tmp_path)
  need("openai")
  local s = assert(server.start({ model = "omni-dummy", stage_config = "dummy.yaml" }, { log_dir = tmp_path }))
  local r = proc.run({ "node", NODE_DIR .. "/client.mjs", s.base_url, s.model }, { timeout = 60, cwd = NODE_DIR })
  s:stop()
  assert.equal(r.code, 0, r.stderr)
  local out = cjson.decode(r.stdout:match("[^\n]+"))
  assert.same(out.models, { "omni-dummy" })
  assert.equal(out.text, "The capital of China is Beijing.")
  assert.equal(out.audio_pieces, 1)
  assert.same(out.finish, { "stop", "stop" })
  assert.equal(out.usage.total_tokens, out.usage.prompt_tokens + out.usage.completion_tokens)
  assert.equal(out.stream_text, "The capital of China is Beijing.")
  assert.equal(out.stream_audio_chunks, 4)
  assert.equal(out.stream_usage.completion_tokens, 6)
end)

omni.test("omnilua_client_checks_a_foreign_mock_server", { marks = MARKS, timeout = 120 }, function(tmp_path)
  need("@dwmkerr/mock-llm")
  local main = NODE_DIR .. "/node_modules/@dwmkerr/mock-llm/dist/main.js"
  local s = assert(server.start({ model = "gpt-5.2", engine = "mock-llm", startup_timeout = 30,
    template = { "env", "PORT={port}", "HOST={host}", "node", main } }, { log_dir = tmp_path, cwd = tmp_path }))
  local client = require("omni.openai").new { base_url = s.base_url, run_level = "core_model", timeout = 20, idle_timeout = 10 }
  local ok, err = pcall(function()
    assert.same(assert(client:models()), { "gpt-5.2" })
    for _, stream in ipairs { false, true } do
      local rs = client:send_request({ model = s.model, stream = stream, modalities = { "text" },
        messages = { { role = "user", content = "Hello from omnilua" } } }, { request_num = 3 })
      for _, resp in ipairs(rs) do assert.equal(resp.text, "Hello from omnilua") end
    end
    -- and its answers fail our deeper checks where they should: no audio
    local rs = client:send_request({ model = s.model, messages = { { role = "user", content = "hi" } } }, { raise = false })
    assert.match(rs[1].error, "^audio: audio was asked for")
  end)
  local pid = s.pid
  s:stop()
  assert.is_nil(fs.stat("/proc/" .. pid))
  if not ok then error(err, 0) end
end)
