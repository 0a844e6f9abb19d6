-- Each test here breaks its worker in a different way; the run must go on.
local omni = require "omni"
local W = require "omni.core.worker"

omni.test("before", function() end)
omni.test("segfault", function() W.crash_for_test("segv") end)
omni.test("abort", function() W.crash_for_test("abort") end)
omni.test("exits", function() os.exit(3) end)
omni.test("loops", { timeout = 1 }, function() while true do end end)
omni.test("loops_through_pcall", { timeout = 1 }, function()
  while true do pcall(function() while true do end end) end
end)
omni.test("hangs_in_c", { timeout = 0.5 }, function()
  require("omni.core.clock").sleep(30)
end)
omni.test("allocates", function()
  local t = {}
  for i = 1, 1e9 do t[i] = string.rep("x", 1024 * 1024) .. i end
end)
omni.test("after", function() end)
-- what the CUDA runtime does at start: reserve 64 GiB of address space it
-- never touches; the memory limit (RLIMIT_DATA) must not refuse it
omni.test("reserves_address_space", function() assert(W.reserve_for_test(64 * 2 ^ 30)) end)
