-- Process faults (kill, freeze, thaw on a process or its group) and the
-- CPU / GPU hogs of omni.faults.
local omni = require "omni"
local assert = require "omni.assert"
local faults = require "omni.faults"
local gpu = require "omni.gpu"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"
local proc = require "omni.proc"

-- state letter and process group of a pid from /proc, or nil when gone
local function proc_stat(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return nil end
  local line = f:read("l")
  f:close()
  local state, pgrp = line:match("%) (%a) %d+ (%d+)")
  return state, tonumber(pgrp)
end

local function group_members(pgid)
  local pids = {}
  for _, name in ipairs(fs.list("/proc") or {}) do
    if name:match("^%d+$") then
      local state, pgrp = proc_stat(name)
      if pgrp == pgid and state ~= "Z" then pids[#pids + 1] = tonumber(name) end
    end
  end
  return pids
end

-- Waits until every pid's state satisfies ok(state); returns whether it did.
local function wait_states(pids, ok, seconds)
  local deadline = clock.now_ns() + seconds * 1e9
  repeat
    local all = true
    for _, pid in ipairs(pids) do
      if not ok(proc_stat(pid)) then all = false end
    end
    if all then return true end
    clock.sleep(0.02)
  until clock.now_ns() > deadline
  return false
end

local function stopped(s) return s == "T" or s == "t" end
local function running(s) return s == "S" or s == "R" end
local function gone(s) return s == nil or s == "Z" end

-- A process group of three: a shell leader and two sleeps, started through
-- omni.proc in a group of its own (so the runner tracks it and kills it if
-- this test's worker dies); killed with the whole group at teardown.
omni.fixture("sleepers", function()
  local p = assert.not_nil(proc.spawn({ "sh", "-c", "sleep 20 & sleep 20 & wait" },
    { stdin = "/dev/null", stdout = "/dev/null", stderr = "/dev/null", new_group = true }))
  local pid = p.pid
  assert.equal(p.pgid, pid, "the shell leads its group")
  local members
  local deadline = clock.now_ns() + 3e9
  repeat
    members = group_members(pid)
    if #members < 3 then clock.sleep(0.02) end
  until #members >= 3 or clock.now_ns() > deadline
  coroutine.yield({ pid = pid, members = members })
  faults.kill(-pid, "KILL") -- ESRCH when the test already killed it
  faults.thaw(-pid)
  p:wait(5) -- reap the leader (our child)
end)

omni.test("freeze_and_thaw_a_group", { marks = { "cpu" } }, function(sleepers)
  assert.equal(#sleepers.members, 3, "leader and two sleeps")
  assert.truthy(faults.freeze(sleepers.pid, { group = true }))
  assert.truthy(wait_states(sleepers.members, stopped, 2), "every member stopped")
  assert.truthy(faults.thaw(-sleepers.pid))
  assert.truthy(wait_states(sleepers.members, running, 2), "every member running again")
end)

omni.test("freeze_one_process_only", { marks = { "cpu" } }, function(sleepers)
  assert.truthy(faults.freeze(sleepers.pid))
  assert.truthy(wait_states({ sleepers.pid }, stopped, 2))
  for _, pid in ipairs(sleepers.members) do
    if pid ~= sleepers.pid then assert.truthy(running(proc_stat(pid)), "other members untouched") end
  end
  assert.truthy(faults.thaw({ pid = sleepers.pid }))
  assert.truthy(wait_states({ sleepers.pid }, running, 2))
end)

omni.test("kill_a_group", { marks = { "cpu" } }, function(sleepers)
  assert.truthy(faults.kill(sleepers, "TERM", { group = true }))
  assert.truthy(wait_states(sleepers.members, gone, 3), "every member gone")
end)

omni.test("kill_no_such_process", { marks = { "cpu" } }, function()
  local nobody = 1 << 30 -- above any pid_max
  local ok, err, code = faults.kill(-nobody, "KILL")
  assert.is_nil(ok)
  assert.equal(err, "cannot send SIGKILL to process group " .. nobody .. ": No such process")
  assert.equal(code, "ESRCH")
  ok, err, code = faults.freeze(nobody)
  assert.is_nil(ok)
  assert.equal(err, "cannot send SIGSTOP to process " .. nobody .. ": No such process")
  assert.equal(code, "ESRCH")
end)

omni.test("kill_a_frozen_process", { marks = { "cpu" } }, function(sleepers)
  -- what a fixture's stop() does to a frozen server: KILL still works
  assert.truthy(faults.freeze(-sleepers.pid))
  assert.truthy(wait_states(sleepers.members, stopped, 2))
  assert.truthy(faults.kill(-sleepers.pid, 9))
  assert.truthy(wait_states(sleepers.members, gone, 3))
end)

omni.test("process_fault_errors", { marks = { "cpu" } }, function()
  local ok, err, code = faults.kill(1, "TERM")
  assert.is_nil(ok)
  assert.equal(err, "refusing to signal process 1")
  assert.equal(code, "EINVAL")
  assert.raises(function() faults.kill(0) end, "pid, -pgid or a handle")
  assert.raises(function() faults.kill("12") end, "pid, -pgid or a handle")
  assert.raises(function() faults.kill(99999999, "NOPE") end, "unknown signal 'NOPE'")
  assert.raises(function() faults.freeze(123, "group") end, "options table expected")
end)

-- CPU time of this process (all threads), in seconds
local function cpu_seconds() return os.clock() end
local function threads() return #fs.list("/proc/self/task") end
local helpers = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/../helpers.lua")


omni.test("cpu_hog_burns_and_stops", { marks = { "cpu" } }, function()
  local before = threads()
  local c0 = cpu_seconds()
  local hog <close> = assert.not_nil(faults.cpu_hog { threads = 2 })
  assert.equal(hog.threads, 2)
  assert.equal(hog:running(), 2)
  assert.equal(threads(), before + 2)
  -- two spinning threads burn 0.2 s of CPU within 0.1 s on an idle machine;
  -- allow 3 s for a machine shared with other tests (this thread sleeps)
  local t0, burnt = clock.now_ns(), 0
  repeat
    clock.sleep(0.05)
    burnt = cpu_seconds() - c0
  until burnt >= 0.2 or clock.now_ns() - t0 > 3e9
  assert.truthy(burnt >= 0.2, ("the hog used only %.2f s of CPU in 3 s"):format(burnt))
  hog:stop()
  assert.equal(hog:running(), 0)
  assert.equal(helpers.settled(threads, before), before, "threads joined")
  hog:stop() -- harmless twice
end)

omni.test("cpu_hog_ends_after_seconds", { marks = { "cpu" } }, function()
  local before = threads()
  local hog = assert.not_nil(faults.cpu_hog { threads = 1, seconds = 0.2 })
  local deadline = clock.now_ns() + 3e9
  while hog:running() > 0 and clock.now_ns() < deadline do clock.sleep(0.02) end
  assert.equal(hog:running(), 0, "stopped by itself")
  hog = nil
  collectgarbage(); collectgarbage()
  assert.equal(helpers.settled(threads, before), before, "joined by the garbage collector")
  assert.raises(function() faults.cpu_hog { threads = 0 } end, "threads must be an integer >= 1")
  assert.raises(function() faults.cpu_hog { seconds = -1 } end, "seconds must be a number >= 0")
end)

omni.test("gpu_hog_without_gpu_says_why", { marks = { "cpu" } }, function()
  local ok, why = gpu.available()
  if ok then omni.skip("a GPU is usable here; tests/gpu covers the hog") end
  local hog, err, code = faults.gpu_hog { bytes = 1024 }
  assert.is_nil(hog)
  assert.equal(err, why)
  assert.equal(code, "ENOGPU")
end)
