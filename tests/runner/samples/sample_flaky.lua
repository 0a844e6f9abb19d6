-- Tests for --reruns: one fails once then passes (flaky), one always
-- fails, one crashes its worker once (state in a file given by -o state=),
-- one checks that its function fixture is set up afresh on a rerun.
local omni = require "omni"
local W = require "omni.core.worker"

local calls = 0
omni.test("fails_once", function()
  calls = calls + 1
  assert(calls > 1, "first attempt fails")
end)

omni.test("always_fails", function()
  error("broken every time")
end)

omni.test("crashes_once", function(request)
  local path = request.config.state
  local f = io.open(path)
  if f then f:close() return end
  f = assert(io.open(path, "w"))
  f:close()
  W.crash_for_test("segv")
end)

omni.fixture("fresh", function() return {} end)
local fixture_calls = 0
omni.test("fixture_redone", function(fresh)
  assert(not fresh.used, "the function fixture was not set up again")
  fresh.used = true
  fixture_calls = fixture_calls + 1
  assert(fixture_calls > 1, "first attempt fails")
end)

omni.test("passes", function() end)
