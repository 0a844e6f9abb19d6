-- `omnilua soak` end to end against the dummy: a short soak (series,
-- windows, results per threshold, HTML charts), a soak killed with SIGKILL
-- (its server goes with it, its data stays readable) and resumed, what a
-- killed soak's server left in its group stopped by --resume, a server
-- killed mid-soak (recorded, restarted, judged), a server that may not be
-- restarted, bad config.
-- Every test checks that no server it caused is left running.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local clock = require "omni.core.clock"
local host = require "omni.core.host"
local faults = require "omni.faults"
local cjson = require "cjson"
local series = require "omni.soak.series"
local procstat = require "omni.core.procstat"

local HERE = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/soak")
local SAMPLES = HERE .. "/samples"

local read = require("omni.files").read

local function soak(args, timeout)
  local argv = { host.exe, "soak" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return assert(proc.run(argv, { timeout = timeout or 60 }))
end

-- pids of every server the series file says was started
local function server_pids(path)
  local pids = {}
  for line in (read(path) or ""):gmatch("[^\n]+") do
    local ok, r = pcall(cjson.decode, line)
    if ok and type(r) == "table" and r.kind == "event" and (r.what == "server_started" or r.what == "server_restarted") then
      pids[#pids + 1] = math.tointeger(r.pid)
    end
  end
  return pids
end

local function alive(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return false end
  local st = f:read("a"):match("%) (%a)")
  f:close()
  return st ~= "Z"
end

local function assert_no_server_left(path)
  local pids = server_pids(path)
  assert.truthy(#pids > 0, "no server_started event in " .. path)
  for _, pid in ipairs(pids) do
    local gone = false
    for _ = 1, 100 do
      if not alive(pid) then gone = true break end
      clock.sleep(0.05)
    end
    if not gone then faults.kill(pid, "KILL", { group = true }) end
    assert.falsy(not gone, "server " .. pid .. " still running after the soak")
  end
end

local function wait_for(path, pattern, seconds)
  local deadline = clock.now_ns() + seconds * 1e9
  while clock.now_ns() < deadline do
    local s = read(path)
    if s and s:find(pattern) then return s end
    clock.sleep(0.05)
  end
  error("timed out waiting for " .. pattern .. " in " .. path)
end

local function results(path)
  local text = read(path)
  assert.not_nil(text, "no " .. path)
  local doc = cjson.decode(text)
  local by = {}
  for _, r in ipairs(doc.tests) do by[r.name] = r end
  return by, doc
end

omni.test("short_soak_against_dummy", { marks = { "cpu" }, timeout = 90 }, function(tmp_path)
  local out = tmp_path .. "/out"
  local r = soak({ SAMPLES .. "/short.json", "--out", out, "--json", tmp_path .. "/r.json", "--junitxml", tmp_path .. "/r.xml" })
  assert.equal(r.code, 0, r.stdout .. r.stderr)
  local path = out .. "/short.jsonl"
  assert_no_server_left(path)
  local s = assert(series.read(path))
  assert.equal(s.skipped, 0)
  assert.truthy(#s.samples >= 15, "samples: " .. #s.samples) -- every 0.25 s for 6 s
  assert.truthy(#s.windows >= 4, "windows: " .. #s.windows)
  local reqs, mixes = 0, {}
  for _, w in ipairs(s.windows) do
    reqs = reqs + w.requests
    for k in pairs(w.by_mix or {}) do mixes[k] = true end
  end
  assert.truthy(reqs > 50, "requests " .. reqs)
  assert.same(mixes, { text = true, speech = true, hooked = true })
  local w2 = s.windows[2]
  assert.truthy(w2.p99_ms > 0 and w2.p50_ms <= w2.p99_ms and w2.rss_mb > 0 and w2.throughput_rps > 0)
  assert.truthy(s.samples[3].rss_bytes > 1e6 and s.samples[3].procs == 1 and s.samples[3].self_rss_bytes > 1e6)
  assert.equal(s.ends[1].reason, "done")
  -- one result per threshold (+ completed, hooks); names as the pipeline shows them
  local by = results(tmp_path .. "/r.json")
  for _, n in ipairs({ "rss_growth_mb_per_hour", "p99_latency_drift_pct", "throughput_ratio_min", "error_rate_max",
    "process_restarts_max", "completed", "hooks_check" }) do
    assert.not_nil(by["short::" .. n], n)
    assert.equal(by["short::" .. n].outcome, "passed", n .. ": " .. tostring(by["short::" .. n].message))
  end
  assert.match(read(tmp_path .. "/r.xml"), "<testcase[^>]+name=\"short::rss_growth_mb_per_hour\"")
  -- the report: charts inline, nothing fetched
  local h = read(out .. "/report.html")
  local _, svgs = h:gsub("<svg ", "")
  assert.equal(svgs, 6)
  assert.contains(h, "Server RSS (process group)")
  assert.contains(h, "<polyline")
  assert.falsy(h:find("<script", 1, true) or h:find("src=", 1, true) or h:find("href=", 1, true) or h:find("url(", 1, true))
  assert.contains(h, '<tr class="passed"><td>error_rate_max</td>')
end)

-- whether any process of the group runs (not a zombie): the leader or what it left
local function group_running(pgid)
  local g = procstat.group(pgid)
  for _, p in ipairs(g and g.list or {}) do if p.state ~= "Z" then return true end end
  return false
end

local function gone_within(seconds, cond)
  local deadline = clock.now_ns() + math.floor(seconds * 1e9)
  while cond() do
    if clock.now_ns() >= deadline then return false end
    clock.sleep(0.05)
  end
  return true
end

-- Starts a soak of `sample` in the background, waits for its second window
-- and SIGKILLs it (no handler of omnilua's runs). Returns the series path and
-- the pid (= process group) of its server.
local function killed_soak(tmp_path, sample, name, duration)
  local out = tmp_path .. "/out"
  local path = out .. "/" .. name .. ".jsonl"
  local p = assert(proc.spawn({ host.exe, "soak", SAMPLES .. "/" .. sample, "--out", out, "--duration", duration },
    { stdout = tmp_path .. "/log", stderr = tmp_path .. "/log" }))
  local ok, err = pcall(function() -- two windows written (their numbers start after the server's start)
    local deadline = clock.now_ns() + 30e9
    while select(2, (read(path) or ""):gsub('"kind":"window"', "")) < 2 do
      if clock.now_ns() >= deadline then error("timed out waiting for two windows in " .. path, 0) end
      clock.sleep(0.05)
    end
  end)
  p:signal("KILL")
  local _, sig = p:wait(10)
  local left = server_pids(path)
  if not ok then
    for _, pid in ipairs(left) do faults.kill(pid, "KILL", { group = true }) end
    error(err, 0)
  end
  assert.equal(sig, 9)
  assert.equal(#left, 1)
  return path, left[1], out
end

omni.test("killed_soak_takes_its_server_along_and_resumes", { marks = { "cpu" }, timeout = 90 }, function(tmp_path)
  local path, pid, out = killed_soak(tmp_path, "short.json", "short", "8s")
  -- the server got SIGTERM from the kernel when the soak died (omni.proc's
  -- die_with_parent) and shut down: nothing waits for --resume
  local gone = gone_within(5, function() return group_running(pid) end)
  if not gone then faults.kill(pid, "KILL", { group = true }) end
  assert.truthy(gone, "server " .. pid .. " outlived the SIGKILLed soak by 5 s")
  assert.contains(read(out .. "/short.server.log") or "", "listening on")
  local s = assert(series.read(path))
  assert.truthy(#s.windows >= 2)
  assert.equal(#s.ends, 0)
  assert.equal(s.skipped <= 1, true)
  local before_windows, last_t = #s.windows, s.last_t
  -- resume: continues in the same file until 8 s of soak in total
  local r = soak({ SAMPLES .. "/short.json", "--out", out, "--duration", "8s", "--resume", "--json", tmp_path .. "/r.json" })
  assert.equal(r.code, 0, r.stdout .. r.stderr)
  assert_no_server_left(path)
  local s2 = assert(series.read(path))
  local new_pid
  for _, e in ipairs(s2.events) do
    assert.falsy(e.what == "leftover_server_stopped" or e.what == "leftover_server_not_stopped",
      "a server was left over: " .. tostring(e.what) .. " " .. tostring(e.detail))
    if e.what == "server_started" and math.tointeger(e.pid) ~= pid then new_pid = math.tointeger(e.pid) end
  end
  assert.not_nil(new_pid, "the resumed soak started no server of its own")
  assert.equal(#s2.metas, 2)
  assert.truthy(s2.metas[2].resumed)
  local resumed = false
  for _, e in ipairs(s2.events) do if e.what == "resumed" then resumed = true end end
  assert.truthy(resumed)
  assert.truthy(#s2.windows > before_windows)
  assert.equal(s2.windows[before_windows + 1].index, before_windows + 1)
  assert.truthy(s2.windows[before_windows + 1].t0 >= last_t - 1e-6)
  assert.equal(s2.ends[#s2.ends].reason, "done")
  assert.near(s2.ends[#s2.ends].t, 8, 1.5)
  -- a finished soak resumed again only re-judges
  local r3 = soak({ SAMPLES .. "/short.json", "--out", out, "--duration", "8s", "--resume" })
  assert.equal(r3.code, 0, r3.stdout .. r3.stderr)
  assert.equal(#assert(series.read(path)).metas, 2)
end)

-- The parent-death signal reaches the group's leader only. A wrapper shell
-- that does not exec its server (samples/wrapper.json) dies of the SIGTERM
-- and leaves the server running in its group: --resume stops that group.
omni.test("resume_stops_what_a_killed_soak_left", { marks = { "cpu" }, timeout = 90 }, function(tmp_path)
  local path, pid, out = killed_soak(tmp_path, "wrapper.json", "wrapper", "5s")
  local ok, err = pcall(function()
    -- the leader (the shell) ends; the server it forked stays in the group
    assert.truthy(gone_within(5, function() return alive(pid) end), "the wrapper shell " .. pid .. " outlived the soak")
    clock.sleep(0.3)
    assert.truthy(group_running(pid), "nothing of the wrapper's group was left: this test no longer tests the resume's clean-up")
    local r = soak({ SAMPLES .. "/wrapper.json", "--out", out, "--duration", "5s", "--resume" })
    assert.equal(r.code, 0, r.stdout .. r.stderr)
    assert.falsy(group_running(pid), "--resume left process group " .. pid .. " running")
    assert_no_server_left(path)
    local s2 = assert(series.read(path))
    local i_stop, i_new
    for k, e in ipairs(s2.events) do
      if e.what == "leftover_server_stopped" then
        assert.equal(math.tointeger(e.pid), pid)
        i_stop = k
      end
      if e.what == "server_started" and math.tointeger(e.pid) ~= pid and i_stop and not i_new then i_new = k end
    end
    assert.not_nil(i_stop, "no leftover_server_stopped event")
    assert.not_nil(i_new, "no server started after the leftover was stopped")
    assert.equal(s2.ends[#s2.ends].reason, "done")
  end)
  faults.kill(pid, "KILL", { group = true }) -- whatever a failure above left
  if not ok then error(err, 0) end
end)

omni.test("server_death_recorded_and_restarted", { marks = { "cpu" }, timeout = 90 }, function(tmp_path)
  local out = tmp_path .. "/out"
  local path = out .. "/short.jsonl"
  local p = assert(proc.spawn({ host.exe, "soak", SAMPLES .. "/short.json", "--out", out, "--duration", "8s",
    "--json", tmp_path .. "/r.json" }, { stdout = tmp_path .. "/log", stderr = tmp_path .. "/log" }))
  wait_for(path, '"index":1', 20)
  local pid = server_pids(path)[1]
  assert.truthy(faults.kill(pid, "KILL", { group = true }))
  local code = p:wait(60)
  assert.equal(code, 0, read(tmp_path .. "/log"))
  assert_no_server_left(path)
  local s = assert(series.read(path))
  local died, restarted
  for _, e in ipairs(s.events) do
    if e.what == "server_died" then died = e end
    if e.what == "server_restarted" then restarted = e end
  end
  assert.not_nil(died, "no server_died event")
  assert.equal(died.detail, "signal 9")
  assert.equal(math.tointeger(died.pid), pid)
  assert.not_nil(restarted, "no server_restarted event")
  assert.truthy(restarted.recovery_s > 0 and restarted.recovery_s < 20)
  assert.truthy(restarted.pid ~= pid)
  -- requests went on after the restart
  local after = 0
  for _, w in ipairs(s.windows) do if w.t0 > restarted.t then after = after + w.ok end end
  assert.truthy(after > 0)
  local by = results(tmp_path .. "/r.json")
  assert.equal(by["short::process_restarts_max"].outcome, "passed") -- limit 1
  assert.match(by["short::process_restarts_max"].message, "^the server died 1 time %(t=[%d.]+s %(signal 9%)%), limit 1$")
end)

omni.test("server_death_without_restart_fails", { marks = { "cpu" }, timeout = 90 }, function(tmp_path)
  local out = tmp_path .. "/out"
  local path = out .. "/no_restart.jsonl"
  local p = assert(proc.spawn({ host.exe, "soak", SAMPLES .. "/no_restart.json", "--out", out,
    "--json", tmp_path .. "/r.json" }, { stdout = tmp_path .. "/log", stderr = tmp_path .. "/log" }))
  wait_for(path, '"index":1', 20)
  assert.truthy(faults.kill(server_pids(path)[1], "KILL", { group = true }))
  local code = p:wait(30)
  assert.equal(code, 1, read(tmp_path .. "/log"))
  assert_no_server_left(path)
  local by = results(tmp_path .. "/r.json")
  assert.equal(by["no_restart::process_restarts_max"].outcome, "failed")
  assert.contains(by["no_restart::process_restarts_max"].message, "above the limit of 0; it was not restarted")
  assert.equal(by["no_restart::completed"].outcome, "failed")
  assert.equal(by["no_restart::completed"].cause, "server_dead")
  local s = assert(series.read(path))
  assert.truthy(s.ends[1].t < 25, "the soak went on after the death")
end)

omni.test("hooks_check_failure_fails_the_result", { marks = { "cpu" }, timeout = 60 }, function(tmp_path)
  local argv = { host.exe, "soak", SAMPLES .. "/short.json", "--out", tmp_path .. "/o", "--duration", "3s", "--json", tmp_path .. "/r.json" }
  local r = assert(proc.run(argv, { timeout = 60, env = { SOAK_HOOK_FAIL = "1" } }))
  assert.equal(r.code, 1, r.stdout .. r.stderr)
  assert_no_server_left(tmp_path .. "/o/short.jsonl")
  local by = results(tmp_path .. "/r.json")
  assert.equal(by["short::hooks_check"].outcome, "failed")
  assert.contains(by["short::hooks_check"].message, "window 1: forced failure in window 1")
end)

omni.test("bad_config_and_usage", { marks = { "cpu" } }, function(tmp_path)
  local r = soak({ SAMPLES .. "/bad.json", "--out", tmp_path, "--json", tmp_path .. "/r.json" })
  assert.equal(r.code, 4)
  assert.contains(r.stderr, 'bad.json: test "bad one" (#1): test_name: letters, digits')
  assert.contains(r.stderr, 'server_params.stage_config_name: missing')
  assert.contains(r.stderr, 'soak_params.load: give concurrency (requests in flight) or request_rate (requests per second)')
  local by = results(tmp_path .. "/r.json")
  assert.equal(by.config.outcome, "error")
  assert.equal(soak({}).code, 4)
  local r2 = soak({ SAMPLES .. "/short.json", "--duration", "soon" })
  assert.equal(r2.code, 4)
  assert.contains(r2.stderr, "--duration")
  local r3 = soak({ SAMPLES .. "/short.json", "--test", "nope" })
  assert.equal(r3.code, 4)
  assert.contains(r3.stderr, "no such test")
end)
