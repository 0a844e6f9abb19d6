-- Starts a sleeping process, writes its pid to -o pidfile=PATH, then crashes
-- the worker: the runner must kill the process group anyway.
local omni = require "omni"
local proc = require "omni.proc"

omni.test("spawn_and_crash", function(request)
  local p = assert(proc.spawn({ "sleep", "300" }))
  local f = assert(io.open(request.config.pidfile, "w"))
  f:write(p.pid, "\n")
  f:close()
  require("omni.core.worker").crash_for_test("segv")
end)
omni.test("spawn_and_forget", function(request)
  local p = assert(proc.spawn({ "sleep", "300" }))
  local f = assert(io.open(request.config.pidfile .. "2", "w"))
  f:write(p.pid, "\n")
  f:close()
end)
