-- Fixtures of the reliability suites: a dummy server in its own process
-- group (omni.soak.server: started, health-checked, restarted on the same
-- port, stopped with its whole group), and a check that no process a test
-- started outlives it.
local omni = require "omni"
local host = require "omni.core.host"
local server = require "omni.soak.server"

omni.fixture("dummy_process", { scope = "function" }, function(request)
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local params = { model = "omni-dummy", stage_config_name = "dummy.yaml", startup_timeout = 20,
    dummy = { ttft_ms = 5, itl_ms = 50, output_tokens = 60 } }
  local srv = assert(server.new(params, { exe = host.exe, log = dir .. "/server.log" }))
  assert(srv:start())
  coroutine.yield(srv)
  srv:stop(2)
  os.execute("rm -rf " .. dir)
end)
