-- Run by tests/server/test_fixtures.lua in a subprocess (not collected by
-- itself): the serving fixtures as a suite sees them.
local omni = require "omni"

local dying = { { model = "m", engine = "vllm", template = { "sh", "-c", "echo boom >&2; exit 7" } } }
local real = { { model = "Qwen/Qwen3-Omni-30B-A3B-Instruct", stage_config = "qwen3_omni_ci.yaml" } }
local dummy = { { model = "omni-dummy", stage_config = "dummy.yaml", env = { OMNILUA_DUMMY_API_KEY = os.getenv("SAMPLE_SECRET") } } }

omni.test("dies_001", { params = { omni_server = omni.indirect(dying) } }, function(omni_server) end)
omni.test("dies_002", { params = { omni_server = omni.indirect(dying) } }, function(omni_server) end)
omni.test("real_001", { params = { omni_server = omni.indirect(real) } }, function(omni_server) end)

omni.test("pid_001", { params = { omni_server = omni.indirect(dummy) } }, function(omni_server, openai_client)
  local f = assert(io.open(os.getenv("SAMPLE_PID_FILE"), "w"))
  f:write(omni_server.pid)
  f:close()
  openai_client:send_request({ model = omni_server.model, messages = { { role = "user", content = "hi" } } })
end)

omni.test("secret_001", { params = { omni_server = omni.indirect(dummy) } }, function(omni_server, openai_client)
  -- fails on purpose: the answer is "Hello from the omnilua dummy model."
  openai_client:send_request({ model = omni_server.model, messages = { { role = "user", content = "hi" } },
    key_words = { text = { "paris" } } })
end)

omni.test("wrong_key_001", { params = { omni_server = omni.indirect(dummy) } }, function(omni_server)
  local c = require("omni.openai").new { base_url = omni_server.base_url, api_key = os.getenv("SAMPLE_SECRET") .. "x" }
  c:send_request({ model = omni_server.model, messages = { { role = "user", content = "hi" } } })
end)
