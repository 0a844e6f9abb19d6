-- omnilua side of the streaming benchmark: N concurrent SSE streams through
-- omni.http (C engine, arrival time of every event kept), one JSON line out.
-- usage: omnilua lua client.lua URL N [auto|curl]  (curl: the libcurl transport)
local http = require "omni.http"
local clock = require "omni.core.clock"
local cjson = require "cjson"

local url, n, transport = arg[1], tonumber(arg[2]), arg[3] or "auto"
local body = cjson.encode { model = "omni-dummy", stream = true, modalities = { "text" },
  messages = { { role = "user", content = "benchmark" } } }
local reqs = {}
for i = 1, n do
  reqs[i] = { url = url, body = body, headers = { ["Content-Type"] = "application/json" },
    stream = true, events = "times", timeout = 300, transport = transport }
end
local t0 = clock.now_ns()
local res = http.batch(reqs, { concurrency = n })
local wall = (clock.now_ns() - t0) / 1e9
local chunks, failed = 0, 0
for _, r in ipairs(res) do
  if r.ok then chunks = chunks + #r.event_times - 1 else failed = failed + 1 end -- minus [DONE]
end
io.write(cjson.encode { chunks = chunks, failed = failed, wall_s = wall }, "\n")
