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
