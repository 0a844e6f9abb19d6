local omni = require "omni"
omni.test("passes_a", { marks = { "core_model", "cpu" } }, function() end)
omni.test("fails_a", { marks = { "core_model", "cpu" } }, function() error("boom in suite a") end)
omni.test("not_selected", { marks = { "advanced_model" } }, function() end)
