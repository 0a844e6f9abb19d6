-- Run as `omnilua lua sample_killed_reporter.lua KIND PATH N`: streams N
-- records to a KIND ("junit" or "json") reporter, then SIGKILLs itself
-- before finish(), as a run killed half way would.
local kind, path, n = arg[1], arg[2], tonumber(arg[3])
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
local data = dofile(dir .. "/records.lua")
local r = require("omni.report." .. kind).new({ path = path })
assert(r:start(data.meta))
local recs = data.records()
for i = 1, n do r:result(recs[(i - 1) % #recs + 1]) end
local stat = io.open("/proc/self/stat"):read("l")
os.execute("kill -KILL " .. stat:match("^(%d+)"))
os.exit(3) -- not reached
