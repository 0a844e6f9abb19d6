local omni = require "omni"
omni.test("ok", function() end)
local x = = 1
