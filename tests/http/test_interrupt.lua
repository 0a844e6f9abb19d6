-- A stop request (core/interrupt.h, what the runner's signal handler calls on
-- a test timeout) ends requests blocked in the C engine promptly, with the
-- INTERRUPTED code, on both transports. The request comes from a timer thread
-- (omni.core.http._interrupt_after), as from a signal handler; the fixture
-- clears the flag whatever happens so later tests in this worker run.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local core = require "omni.core.http"
local dummy = require "omni.core.dummy"
local clock = require "omni.core.clock"

omni.fixture("stalling", function()
  core._interrupt_clear()
  local s = assert.not_nil(dummy.start { port = 0, ttft_ms = 1, itl_ms = 1, audio = false })
  coroutine.yield("http://127.0.0.1:" .. s:port() .. "/v1/chat/completions")
  core._interrupt_clear()
  s:stop()
end)

local function stalled(url, transport)
  return { url = url, transport = transport, timeout = 60, headers = { ["x-dummy-fault"] = "stall_after=2" },
    body = { model = "omni-dummy", stream = true, messages = { { role = "user", content = "hi" } } }, stream = true }
end

omni.test("interrupt_ends_a_blocked_stream", { marks = { "cpu" }, params = { transport = { "auto", "curl" } } },
  function(stalling, transport)
    core._interrupt_after(0.3)
    local t0 = clock.now_ns()
    local r, err, code, partial = http.stream(stalled(stalling, transport))
    local ms = (clock.now_ns() - t0) / 1e6
    assert.is_nil(r)
    assert.equal(code, "INTERRUPTED")
    assert.match(err, "interrupted: test timed out or run stopped")
    assert.equal(#partial.events, 2, "what arrived before is kept")
    assert.truthy(ms >= 250 and ms < 2000, "ended after " .. ms .. " ms")
    assert.truthy(core._interrupt_pending(), "the flag stays set for other waits")
  end)

omni.test("interrupt_ends_queued_requests_too", { marks = { "cpu" } }, function(stalling)
  core._interrupt_after(0.2)
  local t0 = clock.now_ns()
  local res = http.batch({ stalled(stalling), stalled(stalling), stalled(stalling) }, { concurrency = 1 })
  assert.truthy((clock.now_ns() - t0) / 1e6 < 2000)
  for i = 1, 3 do assert.equal(res[i].code, "INTERRUPTED", "request " .. i) end
end)

omni.test("cleared_interrupt_lets_requests_run", { marks = { "cpu" } }, function(stalling)
  core._interrupt_after(0)
  clock.sleep(0.05)
  local _, _, code = http.request { url = stalling:gsub("/v1/chat/completions$", "/health") }
  assert.equal(code, "INTERRUPTED", "a pending interrupt stops a new run at once")
  core._interrupt_clear()
  local r, err = http.request { url = stalling:gsub("/v1/chat/completions$", "/health") }
  assert.not_nil(r, err)
  assert.equal(r.status, 200)
end)
