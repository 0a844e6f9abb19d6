--- The server under soak, as a thin adapter over omni.server (the same
--- templates, free-port choice, /health + /v1/models wait and group stop as
--- the omni_server fixture). What the adapter adds, because a soak needs it
--- and omni.server does not do it:
---   * weekly.json's server_params -> an omni.server param (dummy latency
---     flags as server_args, `command` as the template, the stage config
---     edited and *validated* here);
---   * restart on the same port after a death (another port if that one is
---     taken), keeping the dead server's log (omni.server truncates the log
---     of a port it starts on, so each log is moved to `<log>`, `<log>.2`, ...);
---   * how the leader ended ("signal 9", "exit 1"), for the death event;
---   * stopping what a soak that was SIGKILLed left running
---     (`M.stop_leftover`, used by --resume). The server's leader gets
---     SIGTERM when the soak dies (omni.proc's die_with_parent), but only
---     the leader and without escalation: a leader that ignores TERM, or
---     processes of its group it does not stop (a wrapper shell that does
---     not exec its server), live on until --resume.
---
---   local s = assert(server.new(sp, { log = out .. "/t.server.log" }))
---   assert(s:start()); print(s:url(), s.pid); s:stop()
local omni_server = require "omni.server"
local stage_config = require "omni.stage_config"
local procstat = require "omni.core.procstat"
local core_proc = require "omni.core.proc"
local clock = require "omni.core.clock"

local M = {}

local Server = {}
Server.__index = Server

--- Whether the params name the built-in dummy.
---@param sp table server_params
---@return boolean
function M.is_dummy(sp)
  return sp.model == "omni-dummy" or sp.stage_config_name == "dummy.yaml"
end

local DUMMY_FLAGS = { { "ttft_ms", "--ttft-ms" }, { "itl_ms", "--itl-ms" }, { "jitter_ms", "--jitter-ms" },
  { "output_tokens", "--output-tokens" }, { "seed", "--seed" }, { "fault", "--fault" } }

--- The omni.server param of weekly.json's server_params (stage config
--- already edited: `stage_config` is a path).
---@param sp table validated server_params
---@param stage_config_path string
---@return table param
function M.param(sp, stage_config_path)
  local p = { model = sp.model, stage_config = stage_config_path, startup_timeout = sp.startup_timeout, env = sp.env }
  if sp.command then
    -- omni.server fills {port} {model} {stage_config} {host} as weekly.json documents
    p.template, p.engine = sp.command, "command"
  elseif M.is_dummy(sp) then
    p.engine = "dummy" -- an edited copy of dummy.yaml is not named dummy.yaml any more
    local args = {}
    for _, f in ipairs(DUMMY_FLAGS) do
      local v = (sp.dummy or {})[f[1]]
      if v ~= nil then args[#args + 1] = f[2]; args[#args + 1] = tostring(v) end
    end
    p.server_args = args
  end
  return p
end

--- Prepares (does not start) a server: applies update/delete to the stage
--- config (a modified copy, validated before anything starts).
---@param sp table validated server_params
---@param opts {log: string, grace?: number} log: where the server's output ends up
---@return table? server
---@return string? err
function M.new(sp, opts)
  local path = stage_config.path(sp.stage_config_name)
  if sp.update or sp.delete then
    local p, err = stage_config.write_modified(path, { update = sp.update, delete = sp.delete })
    if not p then return nil, "server_params: " .. err end
    path = p
  else
    local _, err = stage_config.load(path)
    if err then return nil, "server_params.stage_config_name: " .. err end
  end
  if not M.is_dummy(sp) and not sp.command then
    return nil, string.format("server_params: model %q is not the dummy; give server_params.command (argv with {port}, {model}, {stage_config}) or run with --server URL", sp.model)
  end
  local log = opts.log
  local dir = log:match("^(.*)/[^/]*$") or "."
  return setmetatable({ sp = sp, param = M.param(sp, path), stage_config = path, log = log, log_dir = dir,
    grace = opts.grace, port = 0, starts = 0 }, Server)
end

local function start_on(self, port)
  local param = {}
  for k, v in pairs(self.param) do param[k] = v end
  param.port = port
  -- die_with_parent: a soak runs for hours and may be SIGKILLed (OOM
  -- killer, a CI timeout); its server must not run on unwatched. Nothing
  -- wants it to outlive the soak: --resume starts a new server and never
  -- reattaches to the old one, and there is no detached mode.
  return omni_server.start(param, { log_dir = self.log_dir, grace = self.grace, die_with_parent = true })
end

--- Starts the server and waits until it is ready. A restart (a second
--- start) tries the previous port first, then any free one.
---@return boolean? ok
---@return string? err
---@return string? code omni.server's (EADDRINUSE, EDIED, ETIMEDOUT, ...)
function Server:start()
  local s, err, code
  if self.port ~= 0 then
    s, err, code = start_on(self, self.port)
    if not s and code == "EADDRINUSE" then s, err, code = start_on(self, nil) end
  else
    s, err, code = start_on(self, nil)
  end
  if not s then return nil, err, code end
  self.starts = self.starts + 1
  local keep = self.starts == 1 and self.log or (self.log .. "." .. self.starts)
  if os.rename(s.log_path, keep) then s.log_path = keep end
  self.s, self.pid, self.port = s, s.pid, s.port
  self.log_path = s.log_path
  local me = procstat.read(s.pid)
  self.start_ticks = me and me.start_ticks or nil -- names this process even after its pid is reused
  self.started_ns = clock.now_ns()
  return true
end

---@return string base URL (without /v1)
function Server:url() return self.s and self.s.url or ("http://127.0.0.1:" .. self.port) end

--- Whether the server's leader process is still running.
---@return boolean
function Server:alive() return self.s ~= nil and self.s:alive() end

--- How it ended: "exit 3", "signal 9" ("running" while it runs).
---@return string
function Server:how()
  local p = self.s and self.s.proc
  if not p or not p.ended then return "running" end
  if p.signal then return "signal " .. tostring(p.signal) end
  return "exit " .. tostring(p.code)
end

--- Stops the server's whole group (TERM, grace, KILL); harmless twice.
---@param grace? number seconds (default omni.server's: 5 dummy, 10 others)
function Server:stop(grace)
  if self.s then
    self.s:stop(grace)
    self.s = nil
  end
end

-- ------------------------------------------------- leftovers of a kill --

local function group_procs(pgid)
  local g = procstat.group(pgid)
  local n = 0
  for _, p in ipairs(g and g.list or {}) do if p.state ~= "Z" then n = n + 1 end end
  return n
end

--- Stops the process group a killed soak left running, as its series file
--- recorded it (`server_started` / `server_restarted` events: pid = process
--- group, start_ticks). The leader must still be that process (same start
--- time: a reused pid is left alone); a group whose leader is gone is
--- still the old server's (Linux does not reuse a pid while a group of
--- that id exists). Returns what was done: "stopped", or nil and why not.
---@param ev table {pid: integer, start_ticks?: integer}
---@param grace? number seconds between TERM and KILL (default 5)
---@return string? done
---@return string? why_not
function M.stop_leftover(ev, grace)
  local pid = math.tointeger(ev.pid)
  if not pid or pid <= 1 then return nil, "no pid recorded" end
  if group_procs(pid) == 0 then return nil, "gone" end
  local leader = procstat.read(pid)
  if leader and leader.state ~= "Z" then
    if not ev.start_ticks then return nil, "pid " .. pid .. " runs but the series recorded no start time to check it by" end
    if leader.start_ticks ~= math.tointeger(ev.start_ticks) or leader.pgrp ~= pid then
      return nil, "pid " .. pid .. " is another process now"
    end
  end
  core_proc.kill(pid, "TERM", true)
  local deadline = clock.now_ns() + math.floor((grace or 5) * 1e9)
  while group_procs(pid) > 0 and clock.now_ns() < deadline do clock.sleep(0.05) end
  if group_procs(pid) > 0 then
    core_proc.kill(pid, "KILL", true)
    for _ = 1, 100 do
      if group_procs(pid) == 0 then break end
      clock.sleep(0.02)
    end
  end
  if group_procs(pid) > 0 then return nil, "process group " .. pid .. " survived SIGKILL" end
  return "stopped"
end

return M
