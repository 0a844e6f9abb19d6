local omni = require "omni"
omni.test("only", function() end)
