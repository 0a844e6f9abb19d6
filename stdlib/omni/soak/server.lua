--- The server under soak: started from weekly.json's server_params, watched,
--- restarted after a death, stopped at the end (TERM to its process group,
--- then KILL). The built-in dummy (`model` "omni-dummy" or stage config
--- "dummy.yaml") is `omnilua serve-dummy`; any other model needs
--- `server_params.command` (argv; "{port}", "{model}" and "{stage_config}"
--- are replaced), or an external server (`--server URL`, not started here).
local proc = require "omni.proc"
local http = require "omni.http"
local clock = require "omni.core.clock"
local stage_config = require "omni.stage_config"

local M = {}

local Server = {}
Server.__index = Server

--- Whether the params name the built-in dummy.
---@param sp table server_params
---@return boolean
function M.is_dummy(sp)
  return sp.model == "omni-dummy" or sp.stage_config_name == "dummy.yaml"
end

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

--- Prepares (does not start) a server: applies update/delete to the stage
--- config (a modified copy, validated).
---@param sp table validated server_params
---@param opts {exe: string, log: string}
---@return table? server
---@return string? err
function M.new(sp, opts)
  local s = setmetatable({ sp = sp, exe = opts.exe, log = opts.log, port = 0, starts = 0 }, Server)
  local path = stage_config.path(sp.stage_config_name)
  if sp.update or sp.delete then
    local p, err = stage_config.write_modified(path, { update = sp.update, delete = sp.delete })
    if not p then return nil, "server_params: " .. err end
    path = p
  else
    local _, err = stage_config.load(path)
    if err then return nil, "server_params.stage_config_name: " .. err end
  end
  s.stage_config = path
  if not M.is_dummy(sp) and not sp.command then
    return nil, string.format("server_params: model %q is not the dummy; give server_params.command (argv with {port}, {model}, {stage_config}) or run with --server URL", sp.model)
  end
  return s
end

function Server:argv()
  if M.is_dummy(self.sp) and not self.sp.command then
    local a = { self.exe, "serve-dummy", "--port", tostring(self.port), "--model", self.sp.model }
    local d = self.sp.dummy or {}
    local flags = { ttft_ms = "--ttft-ms", itl_ms = "--itl-ms", jitter_ms = "--jitter-ms", output_tokens = "--output-tokens", seed = "--seed" }
    for k, flag in pairs(flags) do
      if d[k] ~= nil then a[#a + 1] = flag; a[#a + 1] = tostring(d[k]) end
    end
    if d.fault then a[#a + 1] = "--fault"; a[#a + 1] = d.fault end
    return a
  end
  local a = {}
  for i, x in ipairs(self.sp.command) do
    a[i] = x:gsub("{port}", tostring(self.port)):gsub("{model}", self.sp.model):gsub("{stage_config}", self.stage_config)
  end
  return a
end

local function free_port()
  -- the dummy picks one itself; other servers need one chosen for them
  local f = io.open("/proc/sys/net/ipv4/ip_local_port_range", "r")
  local lo, hi = 32768, 60999
  if f then lo, hi = f:read("n", "n"); f:close() end
  return math.random(20000, math.min(lo or 32768, 32767) - 1)
end

--- Starts the server and waits until /health answers 200.
---@return boolean? ok
---@return string? err
function Server:start()
  local dummy = M.is_dummy(self.sp) and not self.sp.command
  if self.port == 0 and not dummy then self.port = free_port() end
  local argv = self:argv()
  local env = {}
  for k, v in pairs(self.sp.env or {}) do env[k] = tostring(v) end
  local log = self.log
  local before = #read_file(log)
  local p, err = proc.spawn(argv, { stdout = log, stderr = log, append = true, env = env })
  if not p then return nil, "cannot start the server (" .. table.concat(argv, " ") .. "): " .. err end
  self.p, self.pid = p, p.pid
  self.starts = self.starts + 1
  local deadline = clock.now_ns() + math.floor(self.sp.startup_timeout * 1e9)
  while clock.now_ns() < deadline do
    if not p:alive() then
      local tail = read_file(log):sub(before + 1):sub(-600)
      return nil, string.format("the server exited during start-up (code %s, signal %s): %s", tostring(p.code),
        tostring(p.signal), tail)
    end
    if dummy and self.port == 0 then
      local port = read_file(log):sub(before + 1):match("listening on http://[^%s]-:(%d+)")
      if port then self.port = tonumber(port) end
    end
    if self.port ~= 0 then
      local r = http.request { url = self:url() .. "/health", timeout = 2, api_key = false }
      if r and r.status == 200 then
        self.started_ns = clock.now_ns()
        return true
      end
    end
    clock.sleep(0.05)
  end
  self:stop()
  return nil, string.format("the server did not answer /health within %gs", self.sp.startup_timeout)
end

---@return string base URL
function Server:url() return "http://127.0.0.1:" .. self.port end

--- Whether the server's leader process is still running.
---@return boolean
function Server:alive() return self.p ~= nil and self.p:alive() end

--- How it ended: "exit 3", "signal 9".
---@return string
function Server:how()
  if not self.p or not self.p.ended then return "running" end
  if self.p.signal then return "signal " .. tostring(self.p.signal) end
  return "exit " .. tostring(self.p.code)
end

--- Stops the server's whole group (TERM, grace, KILL).
---@param grace? number seconds, default 10
function Server:stop(grace)
  if self.p then
    self.p:stop(grace or 10)
    self.p = nil
  end
end

return M
