--- Process groups started by tests. `omni.proc` reports each new group
--- here; in a worker the runner forwards it to the parent, which kills the
--- group after the test (function scope), when the worker ends or crashes,
--- at the end of the run and on SIGINT/SIGTERM.
local M = {}

--- Scope of the code running now: "function" in a test body or function
--- fixture, "module"/"session" in such fixtures, nil outside a test.
---@type string?
M.scope = nil

--- Set by the worker: function(pgid, scope) that tells the parent.
---@type fun(pgid: integer, scope: string)?
M.sink = nil

--- Records a new process group (called by omni.proc.spawn).
---@param pgid integer
function M.add(pgid)
  if M.sink then M.sink(pgid, M.scope or "session") end
end

return M
