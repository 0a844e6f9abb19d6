-- Reads a footprint soak's series and prints omnilua's RSS at start and end.
local series = require "omni.soak.series"
local path, n, wall = arg[1], tonumber(arg[2]), tonumber(arg[3])
local s = assert(series.read(path))
local first, last, peak
local reqs, errors = 0, 0
for _, w in ipairs(s.windows) do reqs, errors = reqs + w.requests, errors + w.errors end
for _, x in ipairs(s.samples) do
  if x.self_rss_bytes then
    first = first or x
    last = x
    if not peak or x.self_rss_bytes > peak then peak = x.self_rss_bytes end
  end
end
assert(first, "no samples in " .. path)
local mb = function(b) return b / 1048576 end
local growth = mb(last.self_rss_bytes - first.self_rss_bytes)
-- the RSS over time: where it settles after the first slices, and whether it grows after that
local marks, shown = { 0.02, 0.1, 0.25, 0.5, 0.75, 1 }, {}
local with = {}
for _, x in ipairs(s.samples) do if x.self_rss_bytes then with[#with + 1] = x end end
for _, f in ipairs(marks) do
  local x = with[math.max(1, math.ceil(#with * f))]
  shown[#shown + 1] = string.format("t=%.0fs %.1f MB", x.t, mb(x.self_rss_bytes))
end
local settled = with[math.max(1, math.ceil(#with * 0.1))]
local steady = mb(last.self_rss_bytes - settled.self_rss_bytes)
print(string.format("requests sent: %d of %d asked (%d errors) in %ds wall (%.0f req/s)", reqs, n, errors, wall, reqs / math.max(wall, 1)))
print(string.format("omnilua RSS: %.1f MB at t=%.1fs (first sample), %.1f MB at t=%.1fs (last), peak %.1f MB", mb(first.self_rss_bytes),
  first.t, mb(last.self_rss_bytes), last.t, mb(peak)))
print("omnilua RSS over the run: " .. table.concat(shown, ", "))
print(string.format("growth from the first sample to the end: %+.2f MB; from 10%% of the run to the end: %+.2f MB (goal < 5 MB): %s",
  growth, steady, steady < 5 and "OK" or "OVER"))
