local omni = require "omni"
omni.test("marked", { marks = { "no_such_mark" } }, function() end)
