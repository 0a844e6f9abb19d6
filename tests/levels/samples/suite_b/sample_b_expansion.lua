local omni = require "omni"
omni.test("passes_b", { marks = { "advanced_model" } }, function() end)
