-- omni.proc: run, spawn, wait, signal, stop; nil+err and raise paths.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"

omni.test("run_captures_output_and_code", {}, function(tmp_path)
  local r = assert(proc.run({ "sh", "-c", "echo out; echo err >&2; echo $K; pwd; exit 3" },
    { env = { K = "v" }, cwd = tmp_path, timeout = 10 }))
  assert.equal(r.code, 3)
  assert.equal(r.stdout, "out\nv\n" .. tmp_path .. "\n")
  assert.equal(r.stderr, "err\n")
  assert.falsy(r.timed_out)
end)

omni.test("run_times_out_and_stops_the_group", {}, function()
  local r = assert(proc.run({ "sh", "-c", "sleep 30 & sleep 30" }, { timeout = 0.2, grace = 0.5 }))
  assert.truthy(r.timed_out)
  assert.equal(r.signal, 15)
  assert.truthy(r.duration < 5)
end)

omni.test("spawn_wait_signal_stop", {}, function(tmp_path)
  local log = tmp_path .. "/log.txt"
  local p = assert(proc.spawn({ "sh", "-c", "echo started; exec sleep 30" }, { stdout = log, stderr = log }))
  assert.type(p.pid, "number")
  assert.equal(p.pgid, p.pid)
  assert.truthy(p:alive())
  local code, why = p:wait(0.1)
  assert.is_nil(code)
  assert.equal(why, "timeout")
  assert.truthy(p:signal("TERM"))
  local _, sig = p:wait(5)
  assert.equal(sig, 15)
  assert.falsy(p:alive())
  assert.match(assert(io.open(log)):read("a"), "started")
  local q = assert(proc.spawn({ "sh", "-c", "trap '' TERM; sleep 30" }))
  require("omni.core.clock").sleep(0.3) -- let the shell install its trap first
  local _, qsig = q:stop(0.3)
  assert.equal(qsig, 9) -- ignored TERM: killed after the grace
end)

omni.test("missing_program_returns_nil_and_error", {}, function()
  local p, err, code = proc.spawn({ "/no/such/program" })
  assert.is_nil(p)
  assert.match(err, "cannot run /no/such/program: No such file or directory")
  assert.equal(code, "ENOENT")
  local r, rerr = proc.run({ "/no/such/program" })
  assert.is_nil(r)
  assert.match(rerr, "No such file")
end)

omni.test("bad_arguments_raise", {}, function()
  assert.raises(function() proc.spawn({}) end, "non%-empty argv")
  assert.raises(function() proc.run("ls") end, "non%-empty argv")
  assert.raises(function() proc.spawn({ "true" }, 5) end, "table expected")
end)

-- ------------------------------------------------------ die_with_parent --
-- An intermediate omnilua (`omnilua lua script`) spawns a child with or
-- without die_with_parent and prints the child's pid; the test SIGKILLs the
-- intermediate (no handler of omnilua's runs) and watches /proc/PID. The
-- child is `sh` that records the signal it got (a trap interrupts `wait`),
-- with a `sleep` in its group that the test kills, by group, at the end.

local clock = require "omni.core.clock"
local core_proc = require "omni.core.proc"
local host = require "omni.core.host"

local read = require("omni.files").read

-- running and not a zombie (an orphan waits for its reaper as "Z")
local function running(pid)
  local s = read("/proc/" .. pid .. "/stat")
  return s ~= nil and s:match("%) (%a)") ~= "Z"
end

local function poll(seconds, cond)
  local deadline = clock.now_ns() + math.floor(seconds * 1e9)
  repeat
    if cond() then return true end
    clock.sleep(0.02)
  until clock.now_ns() >= deadline
  return cond()
end

-- Starts the intermediate; returns its process and the child's pid.
local function intermediate(tmp_path, die)
  local script = tmp_path .. "/intermediate.lua"
  local f = assert(io.open(script, "w"))
  f:write(string.format([[
local proc = require "omni.proc"
local child = assert(proc.spawn({ "sh", "-c", "trap 'echo TERM > %s/got; exit 0' TERM; trap 'echo INT > %s/got; exit 0' INT; sleep 30 & wait" },
  { die_with_parent = %s }))
io.stdout:write(child.pid, "\n")
io.stdout:flush()
require("omni.core.clock").sleep(30) -- SIGKILLed long before
]], tmp_path, tmp_path, die))
  f:close()
  local out = tmp_path .. "/pid.txt"
  local p = assert(proc.spawn({ host.exe, "lua", script }, { stdout = out, stderr = tmp_path .. "/err.txt" }))
  local pid
  assert.truthy(poll(10, function()
    pid = math.tointeger(tonumber((read(out) or ""):match("^(%d+)\n")))
    return pid ~= nil
  end), "the intermediate printed no pid: " .. tostring(read(tmp_path .. "/err.txt")))
  -- the shell installs its traps before it forks the sleep: wait for that
  assert.truthy(poll(5, function()
    local kids = read("/proc/" .. pid .. "/task/" .. pid .. "/children")
    return kids ~= nil and kids:match("%d") ~= nil
  end), "the child started no sleep")
  return p, pid
end

-- the child's group (its leader and the sleep), whatever is left of it
local function cleanup(pid)
  if pid then core_proc.kill(pid, "KILL", true) end
end

local function kill_intermediate(p)
  assert.truthy(p:signal("KILL"))
  local _, sig = p:wait(5)
  assert.equal(sig, 9)
end

omni.test("die_with_parent_child_ends_when_spawner_is_sigkilled", { timeout = 30 }, function(tmp_path)
  local p, pid = intermediate(tmp_path, "true")
  local ok, err = pcall(function()
    assert.truthy(running(pid))
    kill_intermediate(p)
    assert.truthy(poll(3, function() return not running(pid) end), "child " .. pid .. " outlived its spawner")
    assert.equal(read(tmp_path .. "/got"), "TERM\n", "die_with_parent = true sends SIGTERM")
  end)
  cleanup(pid)
  if not ok then error(err, 0) end
end)

omni.test("die_with_parent_takes_a_signal_name", { timeout = 30 }, function(tmp_path)
  local p, pid = intermediate(tmp_path, '"INT"')
  local ok, err = pcall(function()
    kill_intermediate(p)
    assert.truthy(poll(3, function() return not running(pid) end), "child " .. pid .. " outlived its spawner")
    assert.equal(read(tmp_path .. "/got"), "INT\n")
  end)
  cleanup(pid)
  if not ok then error(err, 0) end
end)

omni.test("without_die_with_parent_child_outlives_sigkilled_spawner", { timeout = 30 }, function(tmp_path)
  local p, pid = intermediate(tmp_path, "nil")
  local ok, err = pcall(function()
    kill_intermediate(p)
    clock.sleep(0.5) -- a death signal would have arrived by now
    assert.truthy(running(pid), "child " .. pid .. " died with its spawner without the option")
    assert.is_nil(read(tmp_path .. "/got"))
  end)
  cleanup(pid)
  assert.truthy(poll(3, function() return not running(pid) end), "could not clean up child " .. pid)
  if not ok then error(err, 0) end
end)

omni.test("die_with_parent_leaves_normal_runs_alone", {}, function()
  -- the spawner lives: the option changes nothing for a child that ends first
  local r = assert(proc.run({ "sh", "-c", "echo $PPID" }, { die_with_parent = true, timeout = 10 }))
  assert.equal(r.code, 0)
  local k = assert(proc.run({ "true" }, { die_with_parent = "KILL", timeout = 10 }))
  assert.equal(k.code, 0)
  local n = assert(proc.run({ "true" }, { die_with_parent = 9, timeout = 10 }))
  assert.equal(n.code, 0)
end)

omni.test("die_with_parent_bad_values_raise", {}, function()
  assert.raises(function() proc.spawn({ "true" }, { die_with_parent = "NOPE" }) end,
    "die_with_parent must be a boolean, a signal name such as \"KILL\" or a signal number, got NOPE")
  assert.raises(function() proc.spawn({ "true" }, { die_with_parent = 0 }) end, "die_with_parent must be")
  assert.raises(function() proc.spawn({ "true" }, { die_with_parent = {} }) end, "die_with_parent must be")
end)

omni.test("omni_server_started_server_dies_with_its_omnilua", { timeout = 60 }, function(tmp_path)
  -- what the omni_server fixture and `omnilua soak` use: on by default
  local script = tmp_path .. "/start_server.lua"
  local f = assert(io.open(script, "w"))
  f:write(string.format([[
local s = assert(require("omni.server").start({ model = "omni-dummy", stage_config = "dummy.yaml" }, { log_dir = %q }))
io.stdout:write(s.pid, "\n")
io.stdout:flush()
require("omni.core.clock").sleep(30) -- SIGKILLed long before
]], tmp_path))
  f:close()
  local out = tmp_path .. "/pid.txt"
  local p = assert(proc.spawn({ host.exe, "lua", script }, { stdout = out, stderr = tmp_path .. "/err.txt" }))
  local pid
  local started = poll(30, function()
    pid = math.tointeger(tonumber((read(out) or ""):match("^(%d+)\n")))
    return pid ~= nil or not p:alive()
  end) and pid ~= nil
  local ok, err = pcall(function()
    assert.truthy(started, "no server: " .. tostring(read(tmp_path .. "/err.txt")))
    kill_intermediate(p)
    assert.truthy(poll(5, function() return not running(pid) end), "server " .. pid .. " outlived its omnilua")
  end)
  cleanup(pid)
  p:stop(1)
  if not ok then error(err, 0) end
end)
