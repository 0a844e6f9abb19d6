-- Starts `omnilua serve-dummy` on a free port for a test (not a test file).
local proc = require "omni.proc"
local host = require "omni.core.host"
local clock = require "omni.core.clock"

local M = {}

function M.start(args)
  local log = os.tmpname()
  local argv = { host.exe, "serve-dummy", "--port", "0" }
  for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
  local p = assert(proc.spawn(argv, { stdout = log, stderr = log, new_group = true }))
  local deadline = clock.now_ns() + 10e9
  while clock.now_ns() < deadline do
    local f = io.open(log, "r")
    local s = f and f:read("a") or ""
    if f then f:close() end
    local port = s:match("listening on http://[%d%.]+:(%d+)")
    if port then return { url = "http://127.0.0.1:" .. port, process = p, log = log } end
    clock.sleep(0.05)
  end
  p:stop(2)
  error("the dummy server did not start: see " .. log)
end

return M
