-- A fault proxy in its own process, so that the flicker happens while the
-- test's load blocks in omni.http.batch. Usage:
--   omnilua lua flicker_proxy.lua TARGET_PORT PORT_FILE STATS_FILE
-- Writes its port to PORT_FILE, waits for PORT_FILE.go, then flickers:
-- resets for 0.4 s, 1 s of blackhole, 1 s of 150 ms latency with jitter;
-- clears, writes its stats (JSON) to STATS_FILE and exits when STATS_FILE.stop
-- appears (or after 60 s). The proxy is closed on every path.
local faults = require "omni.faults"
local clock = require "omni.core.clock"
local cjson = require "cjson"

local target, port_file, stats_file = arg[1], arg[2], arg[3]
local proxy <close> = assert(faults.proxy { target = "127.0.0.1:" .. target })
local function exists(p) local f = io.open(p) if f then f:close() return true end end
local function wait_file(p, s)
  local deadline = clock.now_ns() + s * 1e9
  while not exists(p) and clock.now_ns() < deadline do clock.sleep(0.02) end
end
local f = io.open(port_file .. ".tmp", "w")
f:write(tostring(proxy.port))
f:close()
os.rename(port_file .. ".tmp", port_file)
wait_file(port_file .. ".go", 30)
clock.sleep(0.3)
proxy:set { reset = true }
clock.sleep(0.4)
proxy:clear()
clock.sleep(0.3)
proxy:set { blackhole = 1 }
clock.sleep(1.3)
proxy:set { latency_ms = 150, jitter_ms = 50 }
clock.sleep(1)
proxy:clear()
wait_file(stats_file .. ".stop", 60)
local out = io.open(stats_file, "w")
out:write(cjson.encode(proxy:stats()))
out:close()
