--- The parent's side of a run: forks workers after collection, hands them
--- units, turns their answers into result records for the reporters, and
--- handles what goes wrong: a test over its time (the C supervisor stops the
--- worker, then kills its group), a crashed worker (the running test fails
--- with the cause, the worker is replaced, the rest of its unit goes on
--- elsewhere), the run budget, -x/--maxfail, SIGINT/SIGTERM.
local cjson = require "cjson"
local W = require "omni.core.worker"
local rerun = require "omni.rerun"
local clock = require "omni.core.clock"
local fs = require "omni.core.fs"

local M = {}

local decode = cjson.decode
local byte, match = string.byte, string.match

local function read_file(path)
  local s = require("omni.files").read(path)
  if not s or s == "" then return nil end
  if #s > 65536 then s = "...\n" .. s:sub(-65536) end
  return s
end

local function fmt(s) return string.format("%g", s) end

--- W.poll's events as one flat list { id, kind, line|false, ... }; a binary
--- built before that format gives { {id, kind, line?}, ... } (the stdlib of
--- a source tree may be newer than the binary that runs it).
local function flat(events)
  if type(events[1]) ~= "table" then return events end
  local out = {}
  for i, ev in ipairs(events) do
    out[3 * i - 2], out[3 * i - 1], out[3 * i] = ev[1], ev[2], ev[3] or false
  end
  return out
end
M.flat = flat

---@class omni.RunEnv
---@field items table[] all collected items
---@field units integer[][] from omni.runner.plan
---@field workers integer number of worker processes
---@field timeout number default per-test timeout (s), 0 = none
---@field grace number seconds between the Lua-level stop and the kill
---@field budget number? run budget in seconds
---@field budget_text string? the budget as given ("15m")
---@field maxfail integer? stop after this many failures/errors
---@field cfg table worker configuration (see omni.runner.worker)
---@field run_dir string a private folder for capture files
---@field emit fun(rec: table) called once per result record
---@field reruns omni.RerunPolicy? --reruns: failed tests run again (crashes too)

--- Runs the units; returns { interrupted = "SIGINT"|nil, budget_exhausted = bool,
--- stopped = "maxfail"|nil, notrun = N }.
---@param env omni.RunEnv
function M.execute(env)
  local items, timeout, grace = env.items, env.timeout, env.grace
  W.init_parent()
  local worker_main = require("omni.runner.worker").main
  local queue, qhead = {}, 1
  for i, u in ipairs(env.units) do queue[i] = u end
  local workers, alive, forked = {}, 0, 0
  local stopping -- nil | "maxfail" | "budget" | "interrupted"
  local interrupted
  local failures = 0
  local notrun = 0
  local budget_at = env.budget and (clock.now_ns() + math.floor(env.budget * 1e9)) or nil
  local all_groups = {}
  local policy = env.reruns
  local attempts = {} -- item index -> failed attempts so far (records), --reruns

  local function item_timeout(idx)
    local t = items[idx].timeout or timeout
    return t or 0
  end

  local function emit_notrun(idx, reason, cause)
    if attempts[idx] then -- it failed already and waited for a rerun: report that
      local list = attempts[idx]
      attempts[idx] = nil
      return env.emit(rerun.combine(list))
    end
    local item = items[idx]
    notrun = notrun + 1
    env.emit({
      nodeid = item.nodeid, file = item.file, line = item.line, name = item.name,
      classname = item.classname, outcome = "notrun", when = "setup", duration = 0,
      marks = item.mark_names, params = item.params, reason = reason, message = reason, cause = cause,
    })
  end

  local function budget_reason()
    return "not run: run budget of " .. (env.budget_text or fmt(env.budget) .. "s") .. " exhausted"
  end

  local function record(item, m)
    return {
      nodeid = item.nodeid, file = item.file, line = item.line, name = item.name,
      classname = item.classname, outcome = m.o, when = m.w, duration = m.d or 0,
      marks = item.mark_names, params = item.params, message = m.m, longrepr = m.l,
      reason = m.r, cause = m.c, stdout = m.so, stderr = m.se,
    }
  end

  local function emit(rec, idx)
    local earlier = idx and attempts[idx]
    if earlier then
      attempts[idx] = nil
      earlier[#earlier + 1] = rec
      rec = rerun.combine(earlier)
    end
    if rec.outcome == "failed" or rec.outcome == "error" then failures = failures + 1 end
    env.emit(rec)
  end

  local stop_all

  local function spawn()
    forked = forked + 1
    local cfg = env.cfg
    cfg.capture_dir = env.run_dir .. "/w" .. forked
    fs.mkdir(cfg.capture_dir)
    local id, err = W.fork()
    if id == false then
      local ok, e = xpcall(worker_main, debug.traceback, items, cfg)
      io.stderr:write("omnilua worker: internal error: ", tostring(e), "\n")
      W.exit(ok and 0 or 3)
    end
    if not id then error(err) end
    workers[id] = { id = id, groups = {}, capture_dir = cfg.capture_dir, units = {} }
    alive = alive + 1
    return workers[id]
  end

  -- A worker holds up to two units: the one it runs and the next, so it
  -- never waits for the parent between units.
  local function give(w, unit)
    w.units[#w.units + 1] = unit
    local prior
    for _, idx in ipairs(unit) do
      if attempts[idx] then
        prior = prior or {}
        prior[tostring(idx)] = #attempts[idx]
      end
    end
    W.send(w.id, cjson.encode({ t = "unit", items = unit, prior = prior }) .. "\n")
    if #w.units == 1 then
      w.unit, w.pos = unit, 1
      W.arm(w.id, item_timeout(unit[1]), grace)
    end
  end

  local function kill_groups(w, only_function)
    for pgid, scope in pairs(w.groups) do
      if not only_function or scope == "function" then
        W.kill_group(pgid)
        w.groups[pgid] = nil
        all_groups[pgid] = nil
      end
    end
  end

  local function on_result(w, m)
    local item = items[m.i]
    local rec = record(item, m)
    if m.c == "timeout" and w.stop_cause == "budget" then
      rec.cause = "budget"
      rec.message = "stopped: run budget of " .. (env.budget_text or fmt(env.budget) .. "s") .. " exhausted"
      rec.longrepr = rec.message
    elseif m.c == "timeout" and w.stop_cause == "interrupted" then
      rec.cause, rec.message = "interrupted", "interrupted by " .. tostring(interrupted)
      rec.longrepr = rec.message
    end
    w.stop_cause = nil
    if m.t == "r" and w.unit and w.unit[w.pos] == m.i then
      w.pos = w.pos + 1
      local nxt = w.unit[w.pos]
      W.arm(w.id, nxt and item_timeout(nxt) or timeout, grace)
      kill_groups(w, true)
    end
    emit(rec, m.t == "r" and m.i or nil)
    if env.maxfail and failures >= env.maxfail and not stopping then stop_all("maxfail") end
  end

  -- A failed attempt that the worker reruns: kept until the last attempt's
  -- result, and the test's deadline starts again.
  local function on_attempt(w, m)
    local list = attempts[m.i] or {}
    attempts[m.i] = list
    list[#list + 1] = record(items[m.i], m)
    if w.unit and w.unit[w.pos] == m.i then
      W.arm(w.id, item_timeout(m.i), grace)
      kill_groups(w, true)
    end
  end

  local function crash_record(w)
    local kind, code, desc = W.status(w.id)
    local idx = w.unit and w.unit[w.pos]
    local t = idx and item_timeout(idx) or timeout
    local cause, message
    if w.stop_cause == "budget" then
      cause, message = "budget", "stopped: run budget of " .. (env.budget_text or fmt(env.budget) .. "s")
        .. " exhausted (worker killed after " .. fmt(grace) .. " s grace)"
    elseif w.stop_cause == "interrupted" then
      cause, message = "interrupted", "interrupted by " .. tostring(interrupted)
    elseif w.killed then
      cause, message = "timeout", "timed out after " .. fmt(t) .. " s (worker killed after "
        .. fmt(grace) .. " s grace: the test did not stop)"
    elseif kind == "signal" then
      cause = "signal"
      message = string.format("worker crashed with signal %d (%s)", code, desc)
      if code == 9 then message = message .. ": killed from outside (out of memory?)" end
    else
      cause, message = "exit", string.format("test called os.exit(%d)", code or -1)
    end
    return idx, cause, message
  end

  local function on_exit(w)
    alive = alive - 1
    workers[w.id] = nil
    if not w.quitting then
      local idx, cause, message = crash_record(w)
      if idx then
        local item = items[idx]
        local rec = {
          nodeid = item.nodeid, file = item.file, line = item.line, name = item.name,
          classname = item.classname, outcome = "failed", when = "call", duration = 0,
          marks = item.mark_names, params = item.params, message = message, longrepr = message,
          cause = cause, stdout = read_file(w.capture_dir .. "/out"),
          stderr = read_file(w.capture_dir .. "/err"),
        }
        local rest = {}
        local tries = 1 + (attempts[idx] and #attempts[idx] or 0)
        if policy and not stopping and policy:should_rerun(rec, tries) then
          -- a crash or a forced kill is rerun too, in a fresh worker
          local list = attempts[idx] or {}
          attempts[idx] = list
          list[#list + 1] = rec
          rest[1] = idx
        else
          emit(rec, idx)
        end
        for i = w.pos + 1, #w.unit do rest[#rest + 1] = w.unit[i] end
        for u = 2, #w.units do
          for _, r in ipairs(w.units[u]) do rest[#rest + 1] = r end
        end
        if #rest > 0 then
          if stopping == "budget" then
            for _, r in ipairs(rest) do emit_notrun(r, budget_reason(), "budget") end
          elseif not stopping then
            qhead = qhead - 1
            queue[qhead] = rest
          end
        end
      end
    end
    kill_groups(w, false)
    W.release(w.id)
  end

  stop_all = function(cause)
    stopping = cause
    for _, w in pairs(workers) do
      if w.unit and not w.quitting then
        W.request_stop(w.id)
        if cause ~= "maxfail" then
          w.stop_cause = cause
          W.stop(w.id, cause == "interrupted" and math.min(grace, 2) or grace)
        end
      end
    end
  end

  -- The common case, kept allocation-light: one record table per pass.
  local function on_pass(w, i, d)
    if attempts[i] or w.stop_cause or w.unit == nil or w.unit[w.pos] ~= i then
      return on_result(w, { t = "r", i = i, o = "passed", w = "call", d = d })
    end
    local pos = w.pos + 1
    w.pos = pos
    local nxt = w.unit[pos]
    W.arm(w.id, nxt and item_timeout(nxt) or timeout, grace)
    if next(w.groups) then kill_groups(w, true) end
    local item = items[i]
    env.emit({
      nodeid = item.nodeid, file = item.file, line = item.line, name = item.name,
      classname = item.classname, outcome = "passed", when = "call", duration = d,
      marks = item.mark_names, params = item.params,
    })
  end

  local function on_line(w, line)
    if byte(line, 1) == 80 then -- "P<i> <seconds>": a plain pass
      local i, d = match(line, "^P(%d+) (%S+)$")
      return on_pass(w, tonumber(i), tonumber(d))
    end
    local ok, m = pcall(decode, line)
    if not ok or type(m) ~= "table" then return end
    local t = m.t
    if t == "r" or t == "x" then
      on_result(w, m)
    elseif t == "a" then
      on_attempt(w, m)
    elseif t == "g" then
      w.groups[m.g] = m.s
      all_groups[m.g] = true
    elseif t == "done" then
      local rest = {}
      if w.unit and w.pos <= #w.unit then
        -- the worker ended its unit early: a stop request, or it retired
        -- after running out of memory (then the rest runs elsewhere)
        if stopping == "budget" then
          for i = w.pos, #w.unit do emit_notrun(w.unit[i], budget_reason(), "budget") end
        elseif not stopping then
          for i = w.pos, #w.unit do rest[#rest + 1] = w.unit[i] end
        end
      end
      table.remove(w.units, 1)
      w.unit, w.pos = w.units[1], 1
      W.arm(w.id, w.unit and item_timeout(w.unit[1]) or 0, grace)
      if m.retire then
        -- it exits by itself; a fresh worker takes over what it held
        w.quitting = true
        for u = #w.units, 1, -1 do
          qhead = qhead - 1
          queue[qhead] = w.units[u]
        end
        w.units, w.unit = {}, nil
      end
      if #rest > 0 then
        qhead = qhead - 1
        queue[qhead] = rest
      end
    end
  end

  while true do
    for _, w in pairs(workers) do
      while not w.quitting and #w.units < 2 and not stopping and qhead <= #queue do
        give(w, queue[qhead])
        queue[qhead] = nil
        qhead = qhead + 1
      end
      if not w.unit and not w.quitting then
        w.quitting = true
        W.send(w.id, '{"t":"quit"}\n')
        W.arm(w.id, timeout > 0 and timeout or 0, grace) -- session teardown is bounded too
      end
    end
    while not stopping and alive < env.workers and qhead <= #queue do
      local w = spawn()
      give(w, queue[qhead])
      queue[qhead] = nil
      qhead = qhead + 1
    end
    if alive == 0 then break end
    local wait = 1
    if budget_at and not stopping then
      wait = math.max(0, math.min(wait, (budget_at - clock.now_ns()) / 1e9))
    end
    local events = flat(W.poll(wait))
    local sig = W.interrupted()
    if sig and not interrupted then
      interrupted = sig
      stop_all("interrupted")
    end
    if budget_at and not stopping and clock.now_ns() >= budget_at then
      stop_all("budget")
    end
    for j = 1, #events, 3 do
      local w = workers[events[j]]
      if w then
        local kind = events[j + 1]
        if kind == "line" then
          on_line(w, events[j + 2])
        elseif kind == "stop" then
          w.stop_cause = w.stop_cause or "timeout"
        elseif kind == "kill" then
          w.killed = true
        elseif kind == "exit" then
          on_exit(w)
        end
      end
    end
  end
  -- failed attempts whose rerun never came (the run stopped): their failure stands
  for _, list in pairs(attempts) do emit(rerun.combine(list)) end
  -- whatever a test started and left behind goes now
  for pgid in pairs(all_groups) do W.kill_group(pgid) end
  W.reap()
  if stopping == "budget" then
    for i = qhead, #queue do
      for _, idx in ipairs(queue[i]) do emit_notrun(idx, budget_reason(), "budget") end
    end
  end
  return { interrupted = interrupted, budget_exhausted = stopping == "budget",
    stopped = stopping, notrun = notrun }
end

return M
