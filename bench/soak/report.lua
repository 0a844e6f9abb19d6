-- Reads a footprint soak's series and prints omnilua's RSS at the start of
-- the load and at the end. The start point is the `load_started` event's
-- self_rss_bytes: omnilua's RSS right before the first request is sent
-- (server up, modules loaded); the end is the last sample's.
local series = require "omni.soak.series"
local path, n, wall = arg[1], tonumber(arg[2]), tonumber(arg[3])
local s = assert(series.read(path))
local reqs, errors = 0, 0
for _, w in ipairs(s.windows) do reqs, errors = reqs + w.requests, errors + w.errors end
local start
for _, e in ipairs(s.events) do
  if e.what == "load_started" then start = start or e end
end
assert(start and start.self_rss_bytes, "no load_started event with self_rss_bytes in " .. path)
local with, peak = {}, start.self_rss_bytes
for _, x in ipairs(s.samples) do
  if x.self_rss_bytes then
    with[#with + 1] = x
    peak = math.max(peak, x.self_rss_bytes)
  end
end
assert(#with > 0, "no samples in " .. path)
local last = with[#with]
local mb = function(b) return b / 1048576 end
local shown = { string.format("start %.1f MB", mb(start.self_rss_bytes)) }
for _, f in ipairs({ 0.02, 0.1, 0.25, 0.5, 0.75, 1 }) do
  local x = with[math.max(1, math.ceil(#with * f))]
  shown[#shown + 1] = string.format("t=%.0fs %.1f MB", x.t, mb(x.self_rss_bytes))
end
local settled = with[math.max(1, math.ceil(#with * 0.1))]
local growth = mb(last.self_rss_bytes - start.self_rss_bytes)
local cpu = last.self_cpu_s and start.self_cpu_s and (last.self_cpu_s - start.self_cpu_s)
print(string.format("requests sent: %d of %d asked (%d errors) in %ds wall (%.0f req/s); omnilua CPU during the load %s",
  reqs, n, errors, wall, reqs / math.max(wall, 1), cpu and string.format("%.1f s (%.1f us a request)", cpu, cpu / math.max(reqs, 1) * 1e6) or "?"))
print(string.format("omnilua RSS: %.1f MB right before the load (t=%.1fs), %.1f MB at the end (t=%.1fs), peak %.1f MB",
  mb(start.self_rss_bytes), start.t, mb(last.self_rss_bytes), last.t, mb(peak)))
print("omnilua RSS over the run: " .. table.concat(shown, ", "))
print(string.format("growth from the start of the load to the end: %+.2f MB (goal < 5 MB): %s; from 10%% of the run to the end: %+.2f MB",
  growth, growth < 5 and "OK" or "OVER", mb(last.self_rss_bytes - settled.self_rss_bytes)))
