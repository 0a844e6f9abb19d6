--- omni.bench.server: starts the server a nightly.json test names, with its
--- stage config edited by `update`/`delete` through omni.stage_config (the
--- same implementation as the omni_server fixture). A model whose name
--- contains "dummy" is served by the built-in dummy (`omnilua serve-dummy`);
--- any other model by the engine's command template:
---   python -m vllm_omni.entrypoints.cli.main serve MODEL --omni --host 127.0.0.1
---     --port PORT --stage-configs-path YAML --stage-init-timeout 120 [serve_args]
--- ($OMNILUA_SERVE_CMD replaces "python -m vllm_omni.entrypoints.cli.main serve").
local proc = require "omni.proc"
local http = require "omni.http"
local clock = require "omni.core.clock"
local host = require "omni.core.host"
local stage_config = require "omni.stage_config"

local M = {}

--- true when the built-in dummy serves this model.
---@param model string
function M.is_dummy(model) return model:lower():find("dummy", 1, true) ~= nil end

local function read(path) return require("omni.files").read(path) or "" end

local function wait_ready(p, base, log, timeout)
  local deadline = clock.now_ns() + timeout * 1e9
  while clock.now_ns() < deadline do
    if not p:alive() then
      return nil, "the server exited before it was ready; log " .. log .. ":\n" .. read(log):sub(-2000)
    end
    local url = base
    if not url then
      local port = read(log):match("listening on http://[%d%.]+:(%d+)")
      if port then url = "http://127.0.0.1:" .. port end
    end
    if url then
      local r = http.request { url = url .. "/v1/models", timeout = 2, api_key = false }
      if r and r.status == 200 then return url end
    end
    clock.sleep(0.2)
  end
  return nil, string.format("the server was not ready after %d s; log %s", timeout, log)
end

--- Starts the server of a test.
---@param server table the test's server settings (nightly.lua)
---@param opts {dir: string, timeout?: number}
---@return {base_url: string, model: string, stop: fun(), log: string, config: string}? s, string? err
function M.start(server, opts)
  local cfg, err = stage_config.write_modified(server.stage_config_path,
    { update = server.update, delete = server.delete }, { dir = opts.dir })
  if not cfg then return nil, "stage config: " .. err end
  local log = opts.dir .. "/server-" .. tostring(clock.now_ns()) .. ".log"
  local argv, base
  if M.is_dummy(server.model) then
    argv = { host.exe, "serve-dummy", "--port", "0", "--model", server.model }
  else
    local port = 20000 + clock.now_ns() % 30000
    base = "http://127.0.0.1:" .. port
    local cmd = os.getenv("OMNILUA_SERVE_CMD") or "python -m vllm_omni.entrypoints.cli.main serve"
    argv = {}
    for w in cmd:gmatch("%S+") do argv[#argv + 1] = w end
    for _, a in ipairs({ server.model, "--omni", "--host", "127.0.0.1", "--port", tostring(port),
      "--stage-configs-path", cfg, "--stage-init-timeout", "120" }) do argv[#argv + 1] = a end
  end
  for _, a in ipairs(server.serve_args or {}) do argv[#argv + 1] = tostring(a) end
  -- die_with_parent: a killed `omnilua bench` must not leave its server running
  local p, perr = proc.spawn(argv, { stdout = log, stderr = log, new_group = true, env = server.env,
    die_with_parent = true })
  if not p then return nil, "cannot start the server: " .. tostring(perr) end
  local url, werr = wait_ready(p, base, log, opts.timeout or (M.is_dummy(server.model) and 30 or 1200))
  if not url then p:stop(5) return nil, werr end
  return { base_url = url, model = server.model, log = log, config = cfg, process = p,
    stop = function() p:stop(10) end }
end

return M
