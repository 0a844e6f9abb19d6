-- omni.soak.server, the adapter over omni.server: weekly.json params to an
-- omni.server param, restart on the same port with the dead server's log
-- kept, how the leader ended, a user command as the template, and the
-- stopping of a server a SIGKILLed soak left behind (never a reused pid).
local omni = require "omni"
local assert = require "omni.assert"
local clock = require "omni.core.clock"
local http = require "omni.http"
local proc = require "omni.proc"
local procstat = require "omni.core.procstat"
local core_proc = require "omni.core.proc"
local host = require "omni.core.host"
local server = require "omni.soak.server"

local read = require("omni.files").read

local function running(pid)
  local p = procstat.read(pid)
  return p ~= nil and p.state ~= "Z"
end

-- zombies are gone too: nobody may have reaped them yet
local function live_in_group(pgid)
  local n = 0
  for _, x in ipairs(procstat.group(pgid).list) do if x.state ~= "Z" then n = n + 1 end end
  return n
end

local function gone_within(pid, seconds)
  local deadline = clock.now_ns() + seconds * 1e9
  while clock.now_ns() < deadline do
    if not running(pid) then return true end
    clock.sleep(0.02)
  end
  return false
end

local SP = { model = "omni-dummy", stage_config_name = "dummy.yaml", startup_timeout = 20,
  dummy = { ttft_ms = 0, itl_ms = 0, output_tokens = 2, seed = 3 } }

omni.test("param_of_server_params", {}, function()
  local p = server.param(SP, "/x/dummy_edit.yaml")
  assert.equal(p.engine, "dummy") -- the edited copy is not named dummy.yaml
  assert.equal(p.stage_config, "/x/dummy_edit.yaml")
  assert.same(p.server_args, { "--ttft-ms", "0", "--itl-ms", "0", "--output-tokens", "2", "--seed", "3" })
  local c = server.param({ model = "m", stage_config_name = "x.yaml", command = { "srv", "--port", "{port}" }, env = { A = 1 } }, "/s.yaml")
  assert.equal(c.engine, "command")
  assert.same(c.template, { "srv", "--port", "{port}" })
  assert.same(c.env, { A = 1 })
  local s, err = server.new({ model = "real/model", stage_config_name = "qwen3_omni_ci.yaml" }, { log = "/tmp/x.log" })
  assert.is_nil(s)
  assert.contains(err, "give server_params.command")
end)

omni.test("start_kill_restart_same_port_logs_kept", { timeout = 60 }, function(tmp_path)
  local log = tmp_path .. "/t.server.log"
  local s = assert.not_nil(server.new(SP, { log = log }))
  local ok, err = s:start()
  assert.truthy(ok, err)
  local pid1, port1 = s.pid, s.port
  assert.truthy(s.start_ticks and s.start_ticks > 0)
  assert.equal(http.request { url = s:url() .. "/health", timeout = 5, api_key = false }.status, 200)
  assert.equal(s:how(), "running")
  assert.contains(read(log), "--output-tokens 2") -- omni.server writes the command first
  assert.truthy(core_proc.kill(pid1, "KILL", true))
  for _ = 1, 100 do
    if not s:alive() then break end
    clock.sleep(0.02)
  end
  assert.falsy(s:alive())
  assert.equal(s:how(), "signal 9")
  ok, err = s:start()
  assert.truthy(ok, err)
  assert.equal(s.port, port1)
  assert.truthy(s.pid ~= pid1)
  assert.equal(s.log_path, log .. ".2")
  assert.not_nil(read(log), "the dead server's log is gone")
  assert.equal(http.request { url = s:url() .. "/health", timeout = 5, api_key = false }.status, 200)
  local pid2 = s.pid
  s:stop(2)
  s:stop(2) -- twice: nothing
  assert.truthy(gone_within(pid2, 5))
  assert.falsy(s:alive())
end)

omni.test("command_is_the_template", { timeout = 60 }, function(tmp_path)
  local sp = { model = "omni-dummy", stage_config_name = "dummy.yaml", startup_timeout = 20,
    command = { host.exe, "serve-dummy", "--port", "{port}", "--model", "{model}", "--output-tokens", "1" } }
  local s = assert.not_nil(server.new(sp, { log = tmp_path .. "/c.log" }))
  local ok, err = s:start()
  assert.truthy(ok, err)
  local first = read(tmp_path .. "/c.log"):match("^# ([^\n]*)")
  assert.equal(first, table.concat({ host.exe, "serve-dummy", "--port", tostring(s.port), "--model", "omni-dummy",
    "--output-tokens", "1" }, " "))
  s:stop(2)
end)

omni.test("stop_leftover_checks_the_process", { timeout = 30 }, function()
  local p = assert.not_nil(proc.spawn({ "sh", "-c", "sleep 30 & sleep 30 & wait" }))
  local ticks = procstat.read(p.pid).start_ticks
  -- a pid now used by another process: left alone
  local done, why = server.stop_leftover({ pid = p.pid, start_ticks = ticks + 1 }, 1)
  assert.is_nil(done)
  assert.contains(why, "is another process now")
  done, why = server.stop_leftover({ pid = p.pid }, 1)
  assert.is_nil(done)
  assert.contains(why, "no start time")
  assert.truthy(running(p.pid))
  -- the same process: its whole group is stopped
  done, why = server.stop_leftover({ pid = p.pid, start_ticks = ticks }, 1)
  assert.equal(done, "stopped", why)
  p:wait(5)
  assert.equal(live_in_group(p.pid), 0)
  done, why = server.stop_leftover({ pid = p.pid, start_ticks = ticks }, 1)
  assert.is_nil(done)
  assert.equal(why, "gone")
  assert.equal(select(2, server.stop_leftover({}, 1)), "no pid recorded")
end)

omni.test("stop_leftover_group_without_its_leader", { timeout = 30 }, function()
  -- the leader died, its children live on in the group: still the old server's
  local p = assert.not_nil(proc.spawn({ "sh", "-c", "sleep 30 & sleep 30 & exit 0" }))
  p:wait(5)
  local g
  for _ = 1, 100 do
    g = procstat.group(p.pid)
    if g.procs >= 2 then break end
    clock.sleep(0.02)
  end
  assert.truthy(g.procs >= 2, "children: " .. tostring(g.procs))
  local done, why = server.stop_leftover({ pid = p.pid, start_ticks = 1 }, 1)
  assert.equal(done, "stopped", why)
  assert.equal(live_in_group(p.pid), 0)
end)
