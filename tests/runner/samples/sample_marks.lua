-- Marks and names for -m / -k selection.
local omni = require "omni"

omni.test("cpu_core", { marks = { "cpu", "core_model" } }, function() end)
omni.test("gpu_core", { marks = { "gpu", "core_model" } }, function() end)
omni.test("cpu_advanced", { marks = { "cpu", "advanced_model" } }, function() end)
omni.test("unmarked_Thing", function() end)
omni.test("with_timeout_mark", { marks = { { name = "timeout", kwargs = { seconds = 5 } } } }, function() end)
