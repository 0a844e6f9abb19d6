-- omni.faults.proxy between a test client and an echo server (both test
-- helpers in omni.core.faults), each fault measured from the client side.
-- Timing tolerances are wide: the machine may be shared and loaded.
local omni = require "omni"
local assert = require "omni.assert"
local faults = require "omni.faults"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"

local function count(dir) return #assert.not_nil(fs.list(dir)) end

local helpers = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/../helpers.lua")

-- The echo server (same process) closes its side of a connection on its
-- own thread a moment after the proxy closes, and a joined thread stays
-- listed in /proc/self/task for a moment: wait for a count to settle (2 s).
local function settled_count(dir, expected) return helpers.settled(function() return count(dir) end, expected) end
local function seconds_since(t0) return (clock.now_ns() - t0) / 1e9 end

omni.fixture("echo", function()
  local e = assert.not_nil(faults._echo_server())
  coroutine.yield(e)
  e:close()
end)

omni.fixture("proxy", function(echo)
  local p, err = faults.proxy { target = "127.0.0.1:" .. echo.port }
  assert.not_nil(p, err)
  coroutine.yield(p)
  p:close()
end)

-- One small round trip through c; returns seconds.
local function round_trip(c, msg)
  msg = msg or "ping"
  local t0 = clock.now_ns()
  assert.truthy(c:send(msg))
  local got = ""
  while #got < #msg do
    local r, err = c:recv(#msg - #got, 5)
    assert.not_nil(r, string.format("round trip of %q: %s", msg, err))
    got = got .. r
  end
  assert.equal(got, msg)
  return seconds_since(t0)
end

-- Sends n bytes and reads them back; returns seconds.
local function echo_bytes(c, n)
  local t0 = clock.now_ns()
  assert.truthy(c:send(string.rep("x", n), 20))
  local got = 0
  while got < n do
    local r, err = c:recv(65536, 10)
    assert.not_nil(r, err)
    got = got + #r
  end
  return seconds_since(t0)
end

omni.test("proxy_forwards_both_ways", { marks = { "cpu" } }, function(proxy)
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  assert.truthy(round_trip(c) < 0.5)
  echo_bytes(c, 300000)
  local st = proxy:stats()
  assert.equal(st.connections, 1)
  assert.equal(st.active, 1)
  assert.equal(st.bytes_up, 300004)
  assert.equal(st.bytes_down, 300004)
  assert.equal(st.resets, 0)
end)

omni.test("proxy_adds_latency", { marks = { "cpu" } }, function(proxy)
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  local base = round_trip(c)
  proxy:set { latency_ms = 100 }
  assert.equal(proxy:settings().latency_ms, 100)
  for _ = 1, 3 do
    local rtt = round_trip(c)
    -- 100 ms each way; the floor is exact, the ceiling allows a loaded machine
    assert.truthy(rtt >= 0.2 and rtt < 0.2 + base + 0.3, ("round trip %.3f s, expected ~0.2 s"):format(rtt))
  end
  proxy:set { latency_ms = 100, direction = "down" }
  local rtt = round_trip(c)
  assert.truthy(rtt >= 0.1 and rtt < 0.4, ("one-way latency: round trip %.3f s, expected ~0.1 s"):format(rtt))
  proxy:clear()
  assert.truthy(round_trip(c) < 0.1, "no latency after clear")
end)

omni.test("proxy_jitter_is_bounded_and_varies", { marks = { "cpu" } }, function(proxy)
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  proxy:set { latency_ms = 40, jitter_ms = 30, seed = 7 }
  local lo, hi = math.huge, 0
  for _ = 1, 12 do
    local rtt = round_trip(c)
    lo, hi = math.min(lo, rtt), math.max(hi, rtt)
  end
  -- each way 10..70 ms: a round trip is 20..140 ms
  assert.truthy(lo >= 0.02, ("fastest round trip %.3f s below 20 ms"):format(lo))
  assert.truthy(hi < 0.14 + 0.2, ("slowest round trip %.3f s"):format(hi))
  assert.truthy(hi - lo > 0.01, ("jitter: round trips spread only %.3f s"):format(hi - lo))
end)

omni.test("proxy_limits_bandwidth", { marks = { "cpu" } }, function(proxy)
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  proxy:set { bandwidth_bps = 8 * 200000 } -- 200 kB/s each way
  -- 200 kB up and back, pipelined: ~1 s at the limit (well under 0.1 s without)
  local t = echo_bytes(c, 200000)
  assert.truthy(t > 0.85 and t < 2.0, ("200 kB at 200 kB/s took %.2f s, expected ~1 s"):format(t))
  proxy:set { bandwidth_bps = 0 }
  t = echo_bytes(c, 200000)
  assert.truthy(t < 0.5, ("unlimited again, took %.2f s"):format(t))
end)

omni.test("proxy_reset_cuts_open_and_new_connections", { marks = { "cpu" } }, function(proxy)
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  round_trip(c)
  proxy:set { reset = true }
  local r, err, code = c:recv(10, 2)
  assert.is_nil(r)
  assert.equal(code, "ECONNRESET", err)
  -- new connections are accepted, then reset: the client sees the reset
  -- on connect or on its first read, depending on timing
  local c2 <close>, cerr, ccode = faults._connect(proxy.port)
  if c2 then
    c2:send("x")
    r, cerr, ccode = c2:recv(10, 2)
    assert.is_nil(r)
  end
  assert.equal(ccode, "ECONNRESET", cerr)
  assert.equal(proxy:stats().resets, 2)
  proxy:clear()
  local c3 <close> = assert.not_nil(faults._connect(proxy.port))
  round_trip(c3, "after")
end)

omni.test("proxy_blackhole_stalls_then_recovers", { marks = { "cpu" } }, function(proxy)
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  round_trip(c)
  proxy:set { blackhole = 0.6 }
  local t0 = clock.now_ns()
  assert.truthy(c:send("during"))
  local r, _, code = c:recv(100, 0.3)
  assert.is_nil(r, "nothing passes while black-holed")
  assert.equal(code, "ETIMEDOUT")
  local got = ""
  while #got < 6 do
    local part, err = c:recv(100, 3)
    assert.not_nil(part, err)
    got = got .. part
  end
  assert.equal(got, "during", "the bytes arrive after the outage")
  local t = seconds_since(t0)
  assert.truthy(t >= 0.55 and t < 1.5, ("stalled %.2f s, expected ~0.6 s"):format(t))
  assert.truthy(round_trip(c) < 0.1, "normal again")
  -- a new connection during an outage also waits, then works
  proxy:set { blackhole = 0.3 }
  local c2 <close> = assert.not_nil(faults._connect(proxy.port))
  t0 = clock.now_ns()
  round_trip(c2, "late")
  assert.truthy(seconds_since(t0) >= 0.25)
end)

omni.test("proxy_drop_after_bytes", { marks = { "cpu" } }, function(proxy)
  proxy:set { drop_after_bytes = 1000 }
  local c <close> = assert.not_nil(faults._connect(proxy.port))
  assert.truthy(c:send(string.rep("y", 5000)))
  local code
  for _ = 1, 20 do
    local r, _, e = c:recv(65536, 2)
    if not r then code = e break end
  end
  assert.equal(code, "ECONNRESET")
  local st = proxy:stats()
  assert.equal(st.bytes_up + st.bytes_down, 1000, "exactly the allowance was forwarded")
  assert.equal(st.resets, 1)
end)

omni.test("proxy_target_down_resets_client", { marks = { "cpu" } }, function(echo)
  local port = echo.port
  echo:close() -- nothing listens on the target port any more
  local p <close> = assert.not_nil(faults.proxy { target = "127.0.0.1:" .. port })
  -- the client sees the reset on connect or on its first read
  local c <close>, _, code = faults._connect(p.port)
  if c then
    local r
    r, _, code = c:recv(10, 2)
    assert.is_nil(r)
  end
  assert.truthy(code == "ECONNRESET" or code == "EOF", code)
  assert.equal(p:stats().connect_errors, 1)
end)

omni.test("proxy_port_in_use", { marks = { "cpu" } }, function(proxy)
  local p, err, code = faults.proxy { listen = "127.0.0.1:" .. proxy.port, target = "127.0.0.1:1" }
  assert.is_nil(p)
  assert.equal(err, "cannot listen on 127.0.0.1:" .. proxy.port .. ": Address already in use")
  assert.equal(code, "EADDRINUSE")
  p, err, code = faults.proxy { listen = "nonsense", target = "127.0.0.1:1" }
  assert.is_nil(p)
  assert.equal(err, "listen address 'nonsense' is not host:port")
  assert.equal(code, "EINVAL")
end)

omni.test("proxy_close_leaves_no_thread_or_fd", { marks = { "cpu" } }, function(echo)
  -- collect what earlier tests in this worker dropped first: the runner holds
  -- its collector back, and their handles would close during the GC below
  collectgarbage(); collectgarbage()
  local threads, fds = count("/proc/self/task"), count("/proc/self/fd")
  local p = assert.not_nil(faults.proxy { target = "127.0.0.1:" .. echo.port, latency_ms = 5 })
  local c = assert.not_nil(faults._connect(p.port))
  round_trip(c)
  assert.equal(count("/proc/self/task"), threads + 1, "the proxy thread")
  p:close()
  c:close()
  assert.equal(settled_count("/proc/self/task", threads), threads, "thread gone after close")
  assert.equal(settled_count("/proc/self/fd", fds), fds, "descriptors gone after close")
  p:close() -- harmless twice
  assert.equal(p.closed, true)
  assert.raises(function() p:set { latency_ms = 1 } end, "attempt to use a closed proxy")
  assert.raises(function() return p.port end, "attempt to use a closed proxy")
  -- dropped without close: the garbage collector stops it
  faults.proxy { target = "127.0.0.1:" .. echo.port }
  collectgarbage(); collectgarbage()
  assert.equal(settled_count("/proc/self/task", threads), threads, "thread gone after GC")
  assert.equal(settled_count("/proc/self/fd", fds), fds, "descriptors gone after GC")
  do
    local p2 <close> = assert.not_nil(faults.proxy { target = "127.0.0.1:" .. echo.port })
  end
  assert.equal(settled_count("/proc/self/task", threads), threads, "thread gone after <close>")
end)

omni.test("proxy_bad_arguments_raise", { marks = { "cpu" } }, function(proxy)
  assert.raises(function() faults.proxy() end, "table expected")
  assert.raises(function() faults.proxy { listen = "127.0.0.1:0" } end, "target")
  assert.raises(function() proxy:set { latency = 5 } end, "unknown option 'latency'")
  assert.raises(function() proxy:set { latency_ms = -1 } end, "must be >= 0")
  assert.raises(function() proxy:set { reset = 1 } end, "boolean expected")
  assert.raises(function() proxy:set { direction = "sideways" } end, "invalid option 'sideways'")
  assert.raises(function() faults.proxy { target = "127.0.0.1:1", jitter = 3 } end, "unknown option 'jitter'")
  assert.same(proxy:settings(), { latency_ms = 0, jitter_ms = 0, bandwidth_bps = 0, drop_after_bytes = 0,
    reset = false, blackhole = 0, seed = 1, direction = "both" }, "a failed set changes nothing")
end)
