-- Times omni.media.video for the spec's call (224x224, 300 frames): the first
-- call in this process, the repeated (cached) call, and the same with one
-- encoder thread. Prints "name seconds" lines for run.sh.
local media = require "omni.media"
local clock = require "omni.core.clock"

local opts = { width = 224, height = 224, frames = 300 }

local function time(fn)
  local t = clock.now_ns()
  fn()
  return (clock.now_ns() - t) / 1e9
end

local first = time(function() return media.video(opts) end)
local url = time(function() return media.video(opts).data_url end)
local n = 1000
local repeated = time(function()
  for _ = 1, n do local _ = media.video(opts).data_url end
end) / n

-- One thread, and the best of a few first calls, for a steadier figure.
local single, best = math.huge, math.huge
for _ = 1, 3 do
  media.clear_cache()
  single = math.min(single, time(function() return media.video { width = 224, height = 224, frames = 300, threads = 1 } end))
  media.clear_cache()
  best = math.min(best, time(function() return media.video(opts) end))
end

local v = media.video(opts)
print(string.format("omnilua_first_call %.6f", first))
print(string.format("omnilua_first_call_best_of_3 %.6f", best))
print(string.format("omnilua_first_call_1_thread_best_of_3 %.6f", single))
print(string.format("omnilua_first_data_url %.6f", url))
print(string.format("omnilua_repeated_call %.9f", repeated))
print(string.format("omnilua_bytes %d", v.size))
v:save(arg[1] or "/tmp/omnilua_bench_video.mp4")
