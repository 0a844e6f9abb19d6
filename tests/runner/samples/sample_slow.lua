-- Tests that take a while, for budgets and -x.
local omni = require "omni"
local clock = require "omni.core.clock"

for i = 1, 6 do
  omni.test("slow_" .. i, function() clock.sleep(0.4) if i == 2 then error("second fails") end end)
end
