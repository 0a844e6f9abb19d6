local omni = require "omni"
omni.test("ok", function() end)
error("load failed here")
