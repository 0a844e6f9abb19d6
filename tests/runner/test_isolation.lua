-- Crashes, hangs and leaks in a test are that test's failure with the
-- cause named; the worker is replaced and the run goes on. Nothing a test
-- started survives it.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local host = require "omni.core.host"
local clock = require "omni.core.clock"

local S = "tests/runner/samples/"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/runner"
local running = dofile(HERE .. "/../helpers.lua").running

local function gone(pid) return not running(pid) end

local function wait_gone(pid, seconds)
  local deadline = clock.now_ns() + seconds * 1e9
  while clock.now_ns() < deadline do
    if gone(pid) then return true end
    clock.sleep(0.05)
  end
  return gone(pid)
end

local function read_pid(path)
  local f = io.open(path)
  if not f then return nil end
  local pid = tonumber(f:read("l"))
  f:close()
  return pid
end

omni.test("crash_hang_leak_each_fail_with_cause", { timeout = 120 }, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_crash.lua", "--memory-limit", "512M", "--timeout-grace", "1" })
  assert.equal(r.code, 1)
  local b = r.by_name
  assert.equal(b.before.outcome, "passed")
  assert.equal(b.segfault.cause, "signal")
  assert.equal(b.segfault.message, "worker crashed with signal 11 (Segmentation fault)")
  assert.equal(b.abort.message, "worker crashed with signal 6 (Aborted)")
  assert.equal(b.exits.cause, "exit")
  assert.equal(b.exits.message, "test called os.exit(3)")
  assert.equal(b.loops.cause, "timeout")
  assert.equal(b.loops.message, "timed out after 1 s")
  assert.equal(b.loops_through_pcall.message, "timed out after 1 s")
  assert.equal(b.hangs_in_c.cause, "timeout")
  assert.match(b.hangs_in_c.message, "^timed out after 0.5 s %(worker killed after 1 s grace")
  assert.equal(b.allocates.cause, "memory")
  assert.equal(b.allocates.message, "out of memory: worker memory limit 512 MiB")
  assert.equal(b.after.outcome, "passed")
  assert.equal(b.reserves_address_space.outcome, "passed", b.reserves_address_space.message)
  assert.match(r.stdout, "7 failed, 3 passed in")
end)

omni.test("processes_of_a_crashed_test_are_killed", { timeout = 60 }, function(omnilua_test, tmp_path)
  local pidfile = tmp_path .. "/pid"
  local r = omnilua_test({ S .. "sample_orphan.lua", "-o", "pidfile=" .. pidfile })
  assert.equal(r.code, 1)
  assert.equal(r.by_name.spawn_and_crash.cause, "signal")
  assert.equal(r.by_name.spawn_and_forget.outcome, "passed")
  for _, path in ipairs({ pidfile, pidfile .. "2" }) do
    local pid = read_pid(path)
    assert.not_nil(pid, "no pid in " .. path)
    assert.truthy(wait_gone(pid, 5), "process " .. pid .. " from " .. path .. " is still running")
  end
end)

omni.test("sigterm_to_omnilua_kills_everything_and_exits_2", { timeout = 60 }, function(tmp_path)
  local pidfile = tmp_path .. "/pid"
  local sample = tmp_path .. "/test_hang.lua"
  local f = assert(io.open(sample, "w"))
  f:write([[
local omni = require "omni"
local proc = require "omni.proc"
omni.test("hang", function(request)
  local p = assert(proc.spawn({ "sleep", "300" }))
  local f = assert(io.open(request.config.pidfile, "w"))
  f:write(p.pid, "\n") f:close()
  while true do end
end)
]])
  f:close()
  local json = tmp_path .. "/r.json"
  local p = assert(proc.spawn({ host.exe, "test", sample, "-o", "pidfile=" .. pidfile, "--json", json },
    { stdout = tmp_path .. "/out.txt", stderr = tmp_path .. "/out.txt" }))
  local pid
  for _ = 1, 200 do
    pid = read_pid(pidfile)
    if pid then break end
    clock.sleep(0.05)
  end
  assert.not_nil(pid, "the test never started its process")
  p:signal("TERM")
  local code = p:wait(20)
  assert.equal(code, 2)
  assert.truthy(wait_gone(pid, 5), "process " .. pid .. " survived SIGTERM to omnilua")
  local out = io.open(tmp_path .. "/out.txt"):read("a")
  assert.match(out, "Interrupted: SIGTERM")
  local report = require("cjson").decode(io.open(json):read("a"))
  assert.equal(report.tests[1].cause, "interrupted")
end)

omni.test("timeout_reaches_a_test_blocked_in_c", { timeout = 60 }, function(omnilua_test, tmp_path)
  local marker = tmp_path .. "/marker"
  local t0 = clock.now_ns()
  local r = omnilua_test({ S .. "sample_c_wait_timeout.lua", "--timeout-grace", "20" },
    { env = { OMNILUA_SAMPLE_MARKER = marker } })
  local elapsed = (clock.now_ns() - t0) / 1e9
  assert.equal(r.code, 1)
  local t = r.by_name["blocked_in_http_stream"]
  assert.equal(t.outcome, "failed")
  assert.equal(t.cause, "timeout")
  assert.match(t.message, "timed out after 1")
  assert.falsy(t.message:find("killed", 1, true), "stopped inside Lua, not by the group kill: " .. t.message)
  assert.truthy(elapsed < 15, "ended well before the 20 s grace: " .. elapsed .. " s")
  assert.not_nil(io.open(marker), "the fixture's teardown ran")
  assert.equal(r.by_name["next_test_can_use_http"].outcome, "passed")
end)
