-- omni.core.procstat from Lua: one process, a process group, the sampler
-- (drain, set_group, closed handle), errors.
local omni = require "omni"
local assert = require "omni.assert"
local procstat = require "omni.core.procstat"
local proc = require "omni.proc"
local clock = require "omni.core.clock"

omni.test("self_read_and_missing", { marks = { "cpu" } }, function()
  local me = assert.not_nil(procstat.self())
  assert.truthy(me.rss_bytes > 1e6)
  assert.equal(me.state, "R")
  assert.equal(procstat.read(me.pid).pid, me.pid)
  local p, err, code = procstat.read(5000000)
  assert.is_nil(p)
  assert.equal(err, "no process 5000000")
  assert.equal(code, "ESRCH")
  assert.raises(function() procstat.read(0) end, "pid must be a positive integer")
  assert.raises(function() procstat.group("x") end)
end)

omni.test("group_and_sampler", { marks = { "cpu" } }, function()
  local p = assert.not_nil(proc.spawn({ "sh", "-c", "sleep 30 & sleep 30 & wait" }))
  local g
  for _ = 1, 100 do
    g = procstat.group(p.pid)
    if g.procs == 3 then break end
    clock.sleep(0.02)
  end
  assert.equal(g.procs, 3)
  assert.equal(#g.list, 3)
  for _, x in ipairs(g.list) do assert.equal(x.pgrp, p.pid) end
  local s = assert.not_nil(procstat.sampler(p.pid, 0.02))
  clock.sleep(0.15)
  local xs = s:drain()
  assert.truthy(#xs >= 5, #xs)
  assert.equal(xs[1].procs, 3)
  assert.equal(xs[1].pgid, p.pid)
  assert.truthy(xs[1].rss_bytes > 0)
  assert.equal(#s:drain() <= 1, true)
  p:stop(1)
  -- the group is gone: 0 processes, not an error (the orphaned sleeps are
  -- reaped by the runner, the subreaper, on its own time: wait for it)
  local last, deadline = {}, clock.now_ns() + 5e9
  repeat
    clock.sleep(0.05)
    local xs2 = s:drain()
    if #xs2 > 0 then last = xs2 end
  until (last[#last] and last[#last].procs == 0) or clock.now_ns() > deadline
  assert.equal(last[#last].procs, 0)
  assert.equal(s:dropped(), 0)
  s:close()
  s:close() -- twice is harmless
  assert.raises(function() s:drain() end, "attempt to use a closed sampler")
  assert.raises(function() procstat.sampler(1, 0) end, "interval must be > 0")
end)
