---@meta omni.core.proc
--- omni.core.proc (bindings/proc.c): spawn, wait and signal child processes.
--- Tests use omni.proc instead, which wraps these in process objects and
--- reports every process group to the runner (so nothing outlives a test).
--- Expected failures return `nil, message, code` (code "ENOENT", "EACCES",
--- "ESRCH", "ECHILD" or "EIO").
local M = {}

---@class omni.core.proc.SpawnOptions
---@field env? table<string, any> added to the environment (values converted with tostring)
---@field cwd? string working directory of the child
---@field stdin? string file to read standard input from
---@field stdout? string file for standard output
---@field stderr? string file for standard error (the same path as stdout shares one file)
---@field append? boolean append to stdout/stderr files instead of truncating them
---@field new_group? boolean lead a new process group (default true)
---@field die_with_parent? boolean|string|integer when the spawning omnilua dies (SIGKILL included): true sends the child SIGTERM, a name ("KILL", "INT", ...) or number another signal; the leader only, no escalation (PR_SET_PDEATHSIG; see omni.proc.spawn). Default false

--- Starts `argv[1]` with arguments `argv[2..]` (looked up on PATH).
---@param argv string[]
---@param opts? omni.core.proc.SpawnOptions
---@return integer? pid
---@return string? err
---@return string? code
function M.spawn(argv, opts) end

--- Waits for a child to end, up to `timeout` seconds (nil or < 0: forever).
--- Returns `"exit", code`, or `"signal", signo, signame`, or `nil, "timeout"`,
--- or `nil, message, code` when the pid cannot be waited for.
---@param pid integer
---@param timeout? number seconds
---@return "exit"|"signal"|nil kind
---@return integer|string|nil code_or_signal exit code, signal number, "timeout" or a message
---@return string? name signal name, or the error code
function M.wait(pid, timeout) end

--- Sends a signal ("TERM", "KILL", "INT", "HUP", "STOP", "CONT", "USR1",
--- "USR2", "QUIT", "ABRT", or a number) to a process, or to its process
--- group when `group` is true. Raises for pid <= 1.
---@param pid integer
---@param sig? string|integer default "TERM"
---@param group? boolean
---@return true? ok
---@return string? err
---@return string? code
function M.kill(pid, sig, group) end

return M
