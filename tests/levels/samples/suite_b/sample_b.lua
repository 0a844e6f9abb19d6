local omni = require "omni"
omni.test("not_expansion", { marks = { "advanced_model" } }, function() error("should not be selected") end)
