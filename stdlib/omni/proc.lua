--- Processes for tests and fixtures. Every process started here leads its
--- own process group (unless `new_group = false`) and the group is reported
--- to the runner, which kills it after the test, when a worker crashes, at
--- the end of the run and on Ctrl-C/SIGTERM — nothing a test starts outlives
--- the run.
---
--- ```lua
--- local proc = require "omni.proc"
--- local r = proc.run({ "echo", "hi" }, { timeout = 5 })   -- r.code == 0, r.stdout == "hi\n"
--- local p = proc.spawn({ "sleep", "60" })
--- p:stop(2)                                                -- TERM to the group, KILL after 2 s
--- ```
local core = require "omni.core.proc"
local track = require "omni.runner.track"
local clock = require "omni.core.clock"

local M = {}

---@class omni.Process
---@field pid integer
---@field pgid integer? the process group (= pid) when new_group
---@field code integer? exit code once ended
---@field signal integer? terminating signal once ended
local Process = {}
Process.__index = Process
Process.__name = "omni.Process"

local function check_argv(argv, fname)
  if type(argv) ~= "table" or #argv == 0 then
    error(string.format("bad argument #1 to '%s' (non-empty argv list expected, got %s)", fname, type(argv)), 3)
  end
end

--- Starts a program. opts: env (table, added to the environment), cwd,
--- stdin/stdout/stderr (file paths; the same path for both outputs shares
--- one file), append, new_group (default true), die_with_parent.
---
--- `die_with_parent = true` sends the child SIGTERM when the omnilua
--- process that spawned it dies, however it dies — SIGKILL and crashes
--- included, where no handler of omnilua's runs (Linux's PR_SET_PDEATHSIG,
--- set between fork and exec; a spawner already gone by then makes the
--- child end at once). A signal name ("KILL", "INT", ...) or number picks
--- another signal. What it does not do:
---   * no escalation: nobody is left to send KILL after a grace, so a child
---     that ignores or survives the signal lives on (give "KILL" for those);
---   * the leader only: the signal goes to the spawned process, not to its
---     group, so its own children go only if it stops them (TERM lets a
---     server do that; KILL would orphan them);
---   * the kernel ties it to the spawning *thread*: omnilua runs Lua on its
---     main thread, which lives as long as the process, so in omnilua this
---     is the process's death;
---   * it is dropped when the program is set-user-ID or has file capabilities.
--- Servers started by omni.server (the omni_server fixture, `omnilua soak`)
--- use it by default.
---@param argv string[]
---@param opts? omni.core.proc.SpawnOptions
---@return omni.Process? p
---@return string? err
---@return string? code
function M.spawn(argv, opts)
  check_argv(argv, "spawn")
  opts = opts or {}
  if type(opts) ~= "table" then error("bad argument #2 to 'spawn' (table expected, got " .. type(opts) .. ")", 2) end
  local pid, err, code = core.spawn(argv, opts)
  if not pid then return nil, err, code end
  local group = opts.new_group ~= false
  local p = setmetatable({ pid = pid, pgid = group and pid or nil, argv = argv }, Process)
  if group then track.add(pid) end
  return p
end

--- Waits until the process ends or timeout seconds pass (nil: forever).
---@param timeout? number
---@return integer? code exit code (nil when killed by a signal or on timeout)
---@return integer|string? signal the signal number, or "timeout"
function Process:wait(timeout)
  if self.ended then return self.code, self.signal end
  local kind, a = core.wait(self.pid, timeout)
  if kind == nil then
    if a == "timeout" then return nil, "timeout" end
    error("wait for pid " .. self.pid .. ": " .. tostring(a), 2)
  end
  self.ended = true
  if kind == "exit" then self.code = a else self.signal = a end
  return self.code, self.signal
end

--- True while the process runs (it is reaped once ended).
---@return boolean
function Process:alive()
  if self.ended then return false end
  local _, s = self:wait(0)
  return s == "timeout"
end

--- Sends a signal ("TERM", "KILL", "INT", "HUP", "STOP", "CONT", "USR1", ...)
--- to the process, or to its whole group when `group` is true.
---@param sig? string default "TERM"
---@param group? boolean
---@return boolean? ok
---@return string? err
function Process:signal(sig, group)
  if self.ended and not group then return nil, "process " .. self.pid .. " has ended" end
  local ok, err = core.kill(self.pid, sig or "TERM", group and self.pgid ~= nil)
  return ok, err
end

--- Stops the process: TERM to its group, up to `grace` seconds (default 5)
--- to end, then KILL to the group. Returns as wait().
---@param grace? number
function Process:stop(grace)
  local group = self.pgid ~= nil
  if not self.ended then core.kill(self.pid, "TERM", group) end
  local code, sig = self:wait(grace or 5)
  if sig == "timeout" then
    core.kill(self.pid, "KILL", group)
    code, sig = self:wait()
  elseif group then
    core.kill(self.pid, "KILL", true) -- the group may have outlived its leader
  end
  return code, sig
end

local function slurp(path) -- the output file, then gone
  local s = require("omni.files").read(path) or ""
  os.remove(path)
  return s
end

--- Runs a program to its end and captures its output.
--- opts: as spawn, plus timeout (seconds; the group is stopped then).
--- die_with_parent defaults to true here: the caller waits for the program,
--- so nothing is left to use it once the caller is gone.
--- Returns { code, signal, stdout, stderr, timed_out, duration } or nil, err, code.
---@param argv string[]
---@param opts? table
---@return table? result
---@return string? err
---@return string? code
function M.run(argv, opts)
  check_argv(argv, "run")
  opts = opts or {}
  local o = {}
  for k, v in pairs(opts) do o[k] = v end
  if o.die_with_parent == nil then o.die_with_parent = true end
  local base = os.tmpname()
  local out_path, err_path
  if not o.stdout then out_path = base .. ".out"; o.stdout = out_path end
  if not o.stderr then err_path = base .. ".err"; o.stderr = err_path end
  local t0 = clock.now_ns()
  local p, err, code = M.spawn(argv, o)
  if not p then
    os.remove(base)
    return nil, err, code
  end
  local rc, sig = p:wait(opts.timeout)
  local timed_out = sig == "timeout"
  if timed_out then rc, sig = p:stop(opts.grace or 2) end
  if p.pgid then core.kill(p.pid, "KILL", true) end -- leftovers of the group
  os.remove(base)
  return {
    code = rc, signal = type(sig) == "number" and sig or nil, timed_out = timed_out,
    stdout = out_path and slurp(out_path) or nil, stderr = err_path and slurp(err_path) or nil,
    duration = (clock.now_ns() - t0) / 1e9, pid = p.pid,
  }
end

return M
