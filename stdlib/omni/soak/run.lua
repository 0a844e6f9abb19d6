--- One stability test of weekly.json, start to end: start (or reach) the
--- server, sample its process group, drive the load in short slices, close
--- windows as time passes, write everything to the series file as it
--- happens, restart the server after a death when allowed, and judge.
local clock = require "omni.core.clock"
local procstat = require "omni.core.procstat"
local config = require "omni.soak.config"
local driver_mod = require "omni.soak.driver"
local judge = require "omni.soak.judge"
local requests = require "omni.soak.requests"
local sampler_mod = require "omni.soak.sampler"
local series = require "omni.soak.series"
local server_mod = require "omni.soak.server"
local windows = require "omni.soak.windows"

local M = {}

--- At most this many requests a load slice. A slice's requests, answers
--- and result tables (Lua and C, about 6 KB a request in all) are garbage
--- once its results are counted, but omnilua's RSS keeps the largest slice's
--- worth: fast requests to the dummy (bench/soak/run.sh) grew it by +6 MB
--- with 1024, +3 MB with 512, +1.5 MB with 256 a slice (before the
--- collection after each slice, below). Each slice opens its connections
--- anew (both engines), so smaller slices cost CPU in connection set-up:
--- at 256, each of 64 connections carries only 4 requests.
M.SLICE_MAX = 512

--- Loads a hooks file: a Lua chunk returning a table with optional
--- `request(i, rng, entry, default)` and `check(window, series)`.
---@param path string
---@return table? hooks
---@return string? err
function M.load_hooks(path)
  local chunk, err = loadfile(path)
  if not chunk then return nil, "hooks: " .. err end
  local ok, h = pcall(chunk)
  if not ok then return nil, "hooks: " .. path .. ": " .. tostring(h) end
  if type(h) ~= "table" then return nil, "hooks: " .. path .. " must return a table, got " .. type(h) end
  for _, k in ipairs({ "request", "check" }) do
    if h[k] ~= nil and type(h[k]) ~= "function" then
      return nil, string.format("hooks: %s: %s must be a function, got %s", path, k, type(h[k]))
    end
  end
  return h
end

local function file_exists(p)
  local f = io.open(p, "rb")
  if f then f:close() return true end
end

--- Runs one test.
---@param test table a validated test (omni.soak.config)
---@param opts table {exe, out_dir, duration?, resume?, deadline_ns?, server_url?, server_pid?,
---  max_requests?, interrupted? (fun(): string?), progress? (fun(state)), log?}
---@return table result {verdicts, series_path, reason, windows, events, requests, vram_missing}
function M.run(test, opts)
  local soak = test.soak
  if opts.duration then
    soak = config.scale(soak, opts.duration)
    local t2 = {}
    for k, v in pairs(test) do t2[k] = v end
    t2.soak = soak
    test = t2 -- judged with the windows it ran with
  end
  local path = opts.out_dir .. "/" .. test.name .. ".jsonl"
  local prev
  if opts.resume and file_exists(path) then
    prev = assert(series.read(path))
  elseif file_exists(path) then
    os.rename(path, path .. ".prev") -- keep the last run's data; a new run starts clean
  end
  local hooks = {}
  if soak.hooks then hooks = assert(M.load_hooks(soak.hooks)) end
  for _, e in ipairs(soak.mix) do
    if e.modality == "custom" and not hooks.request then
      error(string.format("%s: mix entry %q is \"custom\" but the hooks file defines no request function", test.name, e.name), 0)
    end
  end

  local result = { series_path = path, windows = {}, events = {}, note = soak.note }
  local events, closed = result.events, result.windows
  local t_offset, done_requests, widx = 0, 0, 0
  if prev then
    for _, w in ipairs(prev.windows) do closed[#closed + 1] = w; done_requests = done_requests + (w.requests or 0) end
    for _, e in ipairs(prev.events) do events[#events + 1] = e end
    t_offset, widx = prev.last_t, #prev.windows
    if prev.finished then
      result.reason = "done"
      result.ends = prev.ends
      result.verdicts = judge.judge({ windows = closed, events = events, ends = prev.ends }, test,
        { has_hooks_check = hooks.check ~= nil })
      result.resumed_finished = true
      return result
    end
  end

  local w = assert(series.open(path))
  local t0 = clock.now_ns()
  local function now_t() return t_offset + (clock.now_ns() - t0) / 1e9 end
  local function event(what, detail, extra)
    local e = { kind = "event", t = math.floor(now_t() * 1000 + 0.5) / 1000, what = what, detail = detail }
    for k, v in pairs(extra or {}) do e[k] = v end
    w:write(e)
    events[#events + 1] = e
    return e
  end
  w:write({ kind = "meta", test = test.name, t = t_offset, started_wall = os.time(), resumed = prev ~= nil,
    duration = soak.duration, window = soak.window, sampling_interval = soak.sampling_interval, warmup = soak.warmup,
    load = { concurrency = soak.concurrency, request_rate = soak.request_rate, max_concurrency = soak.max_concurrency },
    thresholds = test.thresholds, confidence = test.confidence, note = soak.note })
  if prev then
    event("resumed", string.format("continuing at t=%gs after %d windows", t_offset, #prev.windows))
    -- a soak killed with SIGKILL could not stop its server's group itself:
    -- the leader got SIGTERM from the kernel (die_with_parent), but a leader
    -- that ignores it, or group members it did not stop, may still run.
    -- Stop the groups the series says it started.
    for _, e in ipairs(prev.events) do
      if e.what == "server_started" or e.what == "server_restarted" then
        local done, why = server_mod.stop_leftover(e)
        if done then
          event("leftover_server_stopped", "process group " .. tostring(e.pid) .. " of the killed soak", { pid = e.pid })
        elseif why ~= "gone" then
          event("leftover_server_not_stopped", why, { pid = e.pid })
        end
      end
    end
  end

  -- the server
  local srv, base_url, pgid
  if opts.server_url then
    base_url, pgid = opts.server_url, opts.server_pid
  else
    local err
    srv, err = server_mod.new(test.server, { log = opts.out_dir .. "/" .. test.name .. ".server.log" })
    if not srv then w:close(); error(err, 0) end
    local ok, serr = srv:start()
    if not ok then
      event("server_start_failed", serr)
      w:write({ kind = "end", t = now_t(), reason = "server_start_failed", detail = serr })
      w:close()
      result.reason, result.error = "server_start_failed", serr
      return result
    end
    base_url, pgid = srv:url(), srv.pid
    event("server_started", "pid " .. srv.pid .. " at " .. base_url,
      { pid = srv.pid, port = srv.port, start_ticks = srv.start_ticks, log = srv.log_path })
  end

  local smp = sampler_mod.start({ pgid = pgid, interval = soak.sampling_interval, t0_ns = t0, t_offset = t_offset })
  -- whatever raises from here on (a hook, the driver), the server and the
  -- sampler thread do not outlive the run, and the series file is closed
  local _ <close> = setmetatable({}, { __close = function()
    smp:close()
    if srv then srv:stop() end
    w:close()
  end })
  result.vram_missing = smp.vram_missing
  local conc = soak.concurrency or soak.max_concurrency
  local drv = driver_mod.new({ base_url = base_url, timeout = soak.request_timeout, retries = soak.retries,
    concurrency = conc, engine = opts.engine })
  local mixer = requests.mixer({ model = test.server.model, mix = soak.mix, seed = soak.seed, hooks = hooks, start = done_requests })
  -- a resumed run draws different requests than the killed one would have
  if prev then for _ = 1, done_requests % 997 do mixer.rng:next() end end

  -- windows: aligned on the start of this run (index continues)
  local open = {}
  local base_t, base_idx = t_offset, widx
  local function window_for(t)
    local k = math.max(0, math.floor((t - base_t) / soak.window))
    local idx = base_idx + k + 1
    if not open[idx] then
      -- never reopen a closed window: a late item goes to the oldest open one
      if idx <= widx then
        local lo
        for i in pairs(open) do if not lo or i < lo then lo = i end end
        if lo then return open[lo] end
        idx = widx + 1
        k = idx - base_idx - 1
      end
      open[idx] = windows.new(idx, base_t + k * soak.window, base_t + (k + 1) * soak.window)
    end
    return open[idx]
  end
  local hook_series = { windows = closed, events = events }
  local function close_until(t, final)
    local idxs = {}
    for i, win in pairs(open) do if win.t1 <= t + 1e-9 or final then idxs[#idxs + 1] = i end end
    table.sort(idxs)
    for _, i in ipairs(idxs) do
      local win = open[i]
      open[i] = nil
      local partial = false
      if final and win.t1 > t then
        partial = true
        win.t1 = math.max(t, win.t0 + 1e-3)
      end
      local rec = win:close()
      rec.partial = partial or nil
      widx = math.max(widx, i)
      w:write(rec)
      closed[#closed + 1] = rec
      if hooks.check and not partial then
        local ok, good, msg = pcall(hooks.check, rec, hook_series)
        if not ok then
          event("hook_failed", "hooks.check raised: " .. tostring(good), { window = rec.index })
        elseif not good then
          event("hook_failed", msg and tostring(msg) or "hooks.check returned false", { window = rec.index })
        end
      end
    end
  end
  local function take_samples()
    for _, s in ipairs(smp:drain()) do
      w:write(s)
      window_for(s.t):add_sample(s)
      result.last_sample = s
    end
  end

  local reason, detail = "done", nil
  local est_rps, sent = nil, 0
  local slice_s = math.max(0.2, math.min(1.0, soak.window / 4))
  local next_arrival = clock.now_ns()
  local arrivals = requests.rng(soak.seed + 7919)
  local last_progress = 0
  -- omnilua's own memory just before the load: the footprint's start point
  local me = procstat.self()
  event("load_started", string.format("%s, engine %s", soak.request_rate and (soak.request_rate .. " req/s") or
    (conc .. " in flight"), drv.engine), { self_rss_bytes = me and me.rss_bytes or nil, self_cpu_s = me and me.cpu_s or nil })
  while true do
    local t = now_t()
    if t >= soak.duration then break end
    if opts.deadline_ns and clock.now_ns() >= opts.deadline_ns then
      reason, detail = "budget", "the time budget ran out"
      break
    end
    local sig = opts.interrupted and opts.interrupted()
    if sig then reason, detail = "interrupted", "interrupted by " .. sig; break end
    if opts.max_requests and sent >= opts.max_requests then break end
    if srv and not srv:alive() then
      local died = event("server_died", srv:how(), { pid = srv.pid })
      if test.server.restart_on_death then
        srv:stop(1) -- what is left of the old group
        local tr = clock.now_ns()
        local ok, err = srv:start() -- the same port, else any
        if ok then
          event("server_restarted", string.format("pid %d after %.2fs", srv.pid, (clock.now_ns() - tr) / 1e9),
            { pid = srv.pid, port = srv.port, start_ticks = srv.start_ticks, log = srv.log_path,
              recovery_s = (clock.now_ns() - tr) / 1e9, died_at = died.t })
          smp:set_group(srv.pid)
          drv:set_base_url(srv:url())
        else
          event("restart_failed", err)
          reason, detail = "server_dead", "the server died and could not be restarted: " .. tostring(err)
          break
        end
      else
        event("server_not_restarted", "restart_on_death is false")
        reason, detail = "server_dead", "the server died (" .. srv:how() .. ") and restart_on_death is false"
        break
      end
    end
    -- one slice of load
    local remaining = soak.duration - t
    local span = math.min(slice_s, remaining)
    local reqs, at = {}, nil
    if soak.request_rate then
      at = {}
      local stop = clock.now_ns() + math.floor(span * 1e9)
      if next_arrival < clock.now_ns() - 5e9 then next_arrival = clock.now_ns() end -- far behind: do not burst
      while next_arrival < stop and #reqs < M.SLICE_MAX do
        reqs[#reqs + 1] = mixer:next()
        at[#at + 1] = next_arrival
        next_arrival = next_arrival + math.floor(arrivals:exp(soak.request_rate) * 1e9)
      end
    else
      local n = est_rps and math.ceil(est_rps * span) or conc * 2
      -- a slice's requests and results are garbage once judged: keep slices
      -- small so that omnilua's own memory stays flat however fast the server
      n = math.max(conc, math.min(n, conc * 16, M.SLICE_MAX))
      if opts.max_requests then n = math.min(n, opts.max_requests - sent) end
      for i = 1, n do reqs[i] = mixer:next() end
    end
    local ts = clock.now_ns()
    local results = #reqs > 0 and drv:run(reqs, at) or {}
    if #reqs == 0 then clock.sleep(math.min(0.05, span)) end
    local el = (clock.now_ns() - ts) / 1e9
    if el > 0 and #results > 0 then
      local rps = #results / el
      est_rps = est_rps and (0.5 * est_rps + 0.5 * rps) or rps
    end
    sent = sent + #results
    take_samples()
    local tnow = now_t()
    for _, r in ipairs(results) do
      local rt = r.t_end_ns and r.t_end_ns > 0 and (t_offset + (r.t_end_ns - t0) / 1e9) or tnow
      window_for(math.min(rt, tnow)):add_result(r)
      result.requests = (result.requests or 0) + 1
      if not r.ok then result.errors = (result.errors or 0) + 1 end
    end
    close_until(tnow)
    -- The slice is garbage now: collect it before the next one is built, so
    -- the heap holds one slice at most. The incremental collector's default
    -- pace lets the heap reach twice what it holds, and the freed memory
    -- stays in omnilua's RSS: with it, 1,000,000 requests grew the RSS by
    -- about 3-3.8 MB, with this about 1.9 MB. The cost is small because
    -- what is left is small (the live heap is ~0.5 MB): 0.2 ms a cycle,
    -- about 0.4 us a request on the footprint benchmark (3% of its CPU).
    results, reqs, at = nil, nil, nil
    collectgarbage()
    if opts.progress and clock.now_ns() - last_progress > 0.5e9 then
      last_progress = clock.now_ns()
      opts.progress({ test = test.name, t = tnow, duration = soak.duration, rps = est_rps, windows = closed,
        sample = result.last_sample, requests = result.requests or 0, errors = result.errors or 0 })
    end
  end
  smp:stop()
  take_samples()
  local tend = now_t()
  close_until(tend, true)
  smp:close()
  if srv then srv:stop() end
  local e = { kind = "end", t = math.floor(tend * 1000 + 0.5) / 1000, reason = reason, detail = detail, requests = sent }
  w:write(e)
  w:close()
  result.reason, result.detail = reason, detail
  local ends = prev and prev.ends or {}
  ends[#ends + 1] = e
  result.verdicts = judge.judge({ windows = closed, events = events, ends = ends }, test,
    { vram_missing = smp.vram_missing, has_hooks_check = hooks.check ~= nil })
  return result
end

return M
