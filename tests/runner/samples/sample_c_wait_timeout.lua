-- A test blocked inside C (an HTTP stream from a server that stalls) with a
-- 1 s timeout: the stop must reach the C wait (core/interrupt), so the test
-- ends "timed out" with its teardown run, not by the worker's group kill.
local omni = require "omni"
local http = require "omni.http"
local dummy = require "omni.core.dummy"

omni.fixture("stalling_server", { scope = "function" }, function()
  local s = dummy.start { port = 0 }
  coroutine.yield(s)
  s:stop()
  local marker = os.getenv("OMNILUA_SAMPLE_MARKER")
  if marker then
    local f = assert(io.open(marker, "w"))
    f:write("teardown ran\n")
    f:close()
  end
end)

omni.test("blocked_in_http_stream", { timeout = 1 }, function(stalling_server)
  http.stream {
    url = "http://127.0.0.1:" .. stalling_server:port() .. "/v1/chat/completions",
    method = "POST",
    headers = { ["content-type"] = "application/json", ["x-dummy-fault"] = "stall_after=1" },
    body = '{"model":"omni-dummy","stream":true,"messages":[{"role":"user","content":"hi"}]}',
    timeout = 60, idle_timeout = 60,
  }
end)

omni.test("next_test_can_use_http", {}, function(stalling_server)
  local r = assert(http.request { url = "http://127.0.0.1:" .. stalling_server:port() .. "/health" })
  assert(r.status == 200)
end)
