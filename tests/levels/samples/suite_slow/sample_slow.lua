local omni = require "omni"
local clock = require "omni.core.clock"
omni.test("quick", { marks = { "core_model", "cpu" } }, function() end)
omni.test("slow", { marks = { "core_model", "cpu" } }, function() clock.sleep(4) end)
omni.test("after_slow", { marks = { "core_model", "cpu" } }, function() end)
