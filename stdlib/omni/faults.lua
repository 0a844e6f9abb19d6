--- omni.faults: fault injection for reliability tests.
---
--- * Network: `faults.proxy{...}` puts a TCP proxy between a client and a
---   server (on its own thread) that adds latency and jitter, limits the
---   bandwidth, resets connections or black-holes traffic for a while,
---   switchable while traffic flows.
--- * Processes: `faults.kill`, `faults.freeze`, `faults.thaw` signal a
---   process or a whole process group (the server's).
--- * Resources: `faults.cpu_hog{...}` (busy threads), `faults.gpu_hog{...}`
---   (device memory, see omni.gpu).
---
--- ```lua
--- local faults = require "omni.faults"
--- local proxy <close> = assert(faults.proxy{ target = "127.0.0.1:" .. server.port })
--- client.base_url = "http://127.0.0.1:" .. proxy.port
--- proxy:set{ latency_ms = 100, jitter_ms = 20 }      -- slow network
--- proxy:set{ blackhole = 2 }                          -- 2 s flicker
--- proxy:set{ reset = true }; ...; proxy:clear()       -- connections cut
--- faults.freeze(server.pid, { group = true }); omni.core.clock.sleep(3); faults.thaw(server.pid, { group = true })
--- ```
--- Every handle (proxy, hogs) is released by :close()/:stop()/:release(),
--- by `<close>`, and by the garbage collector; a test should use `<close>`
--- or a fixture teardown so that nothing outlives it.
local core = require "omni.core.faults"

local M = {}

---@class omni.faults.Settings
---@field latency_ms number? added in each direction (a round trip gains about 2x)
---@field jitter_ms number? uniform in [-jitter, +jitter] around the latency (seeded)
---@field bandwidth_bps integer? BITS per second, per connection and direction; 0 = unlimited
---@field direction ("both"|"up"|"down")? where latency, jitter and bandwidth apply (up = client to server)
---@field reset boolean? reset (RST) open connections now and new ones until cleared
---@field blackhole number? for this many seconds forward nothing (bytes wait, then flow; 0 ends it)
---@field drop_after_bytes integer? reset a connection once it has forwarded this many bytes
---@field seed integer? jitter generator seed (default 1)

---@class omni.faults.Proxy
---@field port integer the port clients connect to
---@field closed boolean
---@field set fun(self, settings: omni.faults.Settings): omni.faults.Proxy changes the given settings, keeps the rest
---@field clear fun(self): omni.faults.Proxy no faults any more
---@field settings fun(self): omni.faults.Settings the current settings (blackhole: seconds left)
---@field stats fun(self): {connections: integer, active: integer, bytes_up: integer, bytes_down: integer, resets: integer, connect_errors: integer}
---@field close fun(self) stops the thread and closes every socket; harmless twice

local PROXY_KEYS = { listen = true, target = true }

--- Starts a fault proxy from `listen` (default "127.0.0.1:0", any free port)
--- to `target` ("host:port"). Other keys are initial settings (see set).
---@param opts {listen: string?, target: string}|omni.faults.Settings
---@return omni.faults.Proxy? proxy
---@return string? err "cannot listen on 127.0.0.1:8000: Address already in use"
---@return string? code "EADDRINUSE" | "EACCES" | "EINVAL" | "EAI" | ...
function M.proxy(opts)
  if type(opts) ~= "table" then
    error("bad argument #1 to 'proxy' (table expected, got " .. type(opts) .. ")", 2)
  end
  if type(opts.target) ~= "string" then error("proxy: target = \"host:port\" expected", 2) end
  local listen = opts.listen or "127.0.0.1:0"
  if type(listen) ~= "string" then error("proxy: listen must be a \"host:port\" string", 2) end
  local settings = {}
  for k, v in pairs(opts) do
    if not PROXY_KEYS[k] then settings[k] = v end
  end
  local p, err, code = core.proxy(listen, opts.target)
  if not p then return nil, err, code end
  local ok, set_err = pcall(p.set, p, settings)
  if not ok then
    p:close()
    error(set_err, 2)
  end
  return p
end

---@class omni.faults.CpuHog
---@field threads integer
---@field running fun(self): integer threads still spinning
---@field stop fun(self) stops and joins the threads; harmless twice

--- Busy threads that spin until :stop() (or `<close>`, GC), or until
--- `seconds` elapse.
---@param opts {threads: integer?, seconds: number?}
---@return omni.faults.CpuHog? hog
---@return string? err
function M.cpu_hog(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #1 to 'cpu_hog' (table expected)", 2) end
  local threads = opts.threads or 1
  if math.type(threads) ~= "integer" or threads < 1 then error("cpu_hog: threads must be an integer >= 1", 2) end
  local seconds = opts.seconds or 0
  if type(seconds) ~= "number" or seconds < 0 then error("cpu_hog: seconds must be a number >= 0", 2) end
  return core.cpu_hog(threads, seconds)
end

--- Holds GPU memory: omni.gpu.hog (bytes or fraction, device, seconds).
---@param opts {bytes: integer?, fraction: number?, device: integer?, seconds: number?}
---@return omni.gpu.Hog? hog
---@return string? err "no usable GPU: ..." without one
---@return string? code
function M.gpu_hog(opts) return require("omni.gpu").hog(opts) end

-- target -> pid, group: an integer pid (negative: the group -pid, as kill(2)),
-- or a table/handle with `pid`; opts.group = true means pid's process group.
local function resolve_target(target, opts, fname)
  local pid = target
  if type(target) == "table" or type(target) == "userdata" then pid = target.pid end
  if math.type(pid) ~= "integer" or pid == 0 then
    error(("bad argument #1 to '%s' (pid, -pgid or a handle with .pid expected)"):format(fname), 3)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument to '%s' (options table expected)"):format(fname), 3)
  end
  local group = (opts and opts.group) or pid < 0
  return math.abs(pid), group and true or false
end

--- Sends a signal (default "KILL") to a process, or to a process group with
--- `{group = true}` or a negative pid. A process started in its own group
--- (omni.proc's new_group) has pgid == pid.
---@param target integer|{pid: integer}
---@param signal? string|integer "KILL", "TERM", "SIGINT", 9 ...
---@param opts? {group: boolean?}
---@return boolean? ok
---@return string? err "cannot send SIGKILL to process 123: No such process"
---@return string? code "ESRCH" | "EPERM" | "EINVAL"
function M.kill(target, signal, opts)
  local pid, group = resolve_target(target, opts, "kill")
  return core.signal(pid, group, signal or "KILL")
end

--- Stops a process (or its group) with SIGSTOP: it keeps its sockets and
--- memory but runs nothing until thawed. A frozen server still dies from
--- SIGKILL, so a fixture's stop() ends it; SIGTERM waits for the thaw.
---@param target integer|{pid: integer}
---@param opts? {group: boolean?}
---@return boolean? ok
---@return string? err
---@return string? code
function M.freeze(target, opts)
  local pid, group = resolve_target(target, opts, "freeze")
  return core.signal(pid, group, "STOP")
end

--- Resumes a frozen process (or group) with SIGCONT.
---@param target integer|{pid: integer}
---@param opts? {group: boolean?}
---@return boolean? ok
---@return string? err
---@return string? code
function M.thaw(target, opts)
  local pid, group = resolve_target(target, opts, "thaw")
  return core.signal(pid, group, "CONT")
end

--- For omnilua's own tests: an echo server on a thread (.port, :close()).
M._echo_server = core._echo_server
--- For omnilua's own tests: a blocking TCP client to 127.0.0.1:port with
--- :send(data, timeout_s), :recv(max, timeout_s) -> bytes | nil, err, code
--- ("ECONNRESET", "ETIMEDOUT", "EOF"), :close().
M._connect = core._connect

return M
