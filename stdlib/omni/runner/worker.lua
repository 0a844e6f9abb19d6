--- The worker side of the runner: runs in a forked child that shares the
--- parent's collected items. Reads commands (JSON lines) from the parent,
--- runs the items of each batch in order and answers one JSON line per
--- result. Commands: { t = "unit", items = {i...} } and { t = "quit" }.
--- Answers: { t = "r", i = item, o = outcome, ... } per test ("P<i> <seconds>"
--- for a plain pass), { t = "a", ... } per failed attempt before a rerun
--- (--reruns), { t = "x", ... }
--- for an extra teardown error, { t = "g", g = pgid, s = scope } per process
--- group a test starts, { t = "done" } at the end of a batch.
local cjson = require "cjson"
local W = require "omni.core.worker"
local exec = require "omni.runner.exec"
local fixture = require "omni.fixture"
local track = require "omni.runner.track"
local rerun = require "omni.rerun"

local M = {}

local encode = cjson.encode
local format = string.format

local function send(t) W.reply(encode(t) .. "\n") end

local function send_extra(idx, e, rt, item)
  local r = exec.teardown_error(e, (item and item.timeout) or rt.timeout, rt)
  r.t, r.i = "x", idx
  send(r)
end

--- Entered in the child right after fork; never returns.
---@param items table[] all collected items (indices come from the parent)
---@param cfg table { capture, memory_limit, memory_text, timeout, run_level, config, tmp_root, capture_dir, slot }
function M.main(items, cfg)
  local rt = {
    guard = W.guard, set_thread = W.set_thread, msgh = exec.msgh, timeout = cfg.timeout,
    run_level = cfg.run_level, config = cfg.config, memory_text = cfg.memory_text,
    gpu_available = cfg.gpu_available,
  }
  -- The heap is a copy of the parent's (every collected test): a collection
  -- cycle would mark all of it and copy every shared page. The collector
  -- stays off until the Lua heap has grown by 16 MiB, then runs as usual
  -- (the tests' own collectgarbage() calls work either way).
  collectgarbage("incremental")
  if W.hold_gc then W.hold_gc(16 * 2 ^ 20) else collectgarbage("restart") end
  fixture.tmp_root = cfg.tmp_root
  math.randomseed() -- forks share the parent's sequence otherwise
  if cfg.memory_limit and cfg.memory_limit > 0 then W.limit_memory(cfg.memory_limit) end
  local capture = cfg.capture
  if capture then
    assert(W.capture_start(cfg.capture_dir .. "/out", cfg.capture_dir .. "/err"))
  end
  track.sink = function(pgid, scope) send({ t = "g", g = pgid, s = scope }) end
  local stack = fixture.new_stack(rt)
  local policy = (cfg.reruns or 0) > 0 and rerun.new(cfg.reruns) or nil
  local last
  local failures = 0
  while true do
    local line = W.recv()
    if not line then break end
    local cmd = cjson.decode(line)
    if cmd.t == "quit" then break end
    local stop_ok = true
    local prior = cmd.prior
    for _, idx in ipairs(cmd.items) do
      if W.stop_requested() then stop_ok = false; break end
      local item = items[idx]
      local res, stale, extra = exec.run(item, stack, rt)
      if capture then res.so, res.se = W.capture_take() else io.stdout:flush() end
      for _, e in ipairs(stale) do send_extra(last or idx, e, rt, item) end
      if policy then
        -- --reruns: a failed attempt goes to the parent as "a" (it re-arms
        -- the test's deadline and combines the attempts); the test runs
        -- again here, so its function fixtures are set up afresh
        local attempt = 1 + (prior and prior[tostring(idx)] or 0)
        while not rt.retire and not W.stop_requested()
          and policy:should_rerun({ outcome = res.o, when = res.w, cause = res.c }, attempt) do
          for _, e in ipairs(extra) do send_extra(idx, e, rt, item) end
          res.t, res.i = "a", idx
          send(res)
          attempt = attempt + 1
          res, stale, extra = exec.run(item, stack, rt)
          if capture then res.so, res.se = W.capture_take() else io.stdout:flush() end
          for _, e in ipairs(stale) do send_extra(idx, e, rt, item) end
        end
      end
      if res.o == "passed" and not res.so and not res.se then
        -- the common case in a compact form the parent parses without JSON
        W.reply(format("P%d %.9f\n", idx, res.d))
      else
        res.t, res.i = "r", idx
        send(res)
      end
      for _, e in ipairs(extra) do send_extra(idx, e, rt, item) end
      last = idx
      if rt.retire then break end
      if res.o == "failed" or res.o == "error" then
        failures = failures + 1
        -- -x/--maxfail: stop right here, not after the parent has heard of it
        if cfg.maxfail and failures >= cfg.maxfail then stop_ok = false; break end
      end
    end
    for _, e in ipairs(stack:teardown("module")) do send_extra(last, e, rt, items[last]) end
    if capture then W.capture_take() end
    send({ t = "done", stopped = not stop_ok or nil, retire = rt.retire or nil })
    if rt.retire then W.exit(0) end
  end
  for _, e in ipairs(stack:teardown("session")) do send_extra(last, e, rt, items[last]) end
  W.exit(0)
end

return M
