-- Fixture failures are errors of the tests using them.
local omni = require "omni"

omni.fixture("broken", {}, function() error("setup exploded") end)
omni.fixture("twice", {}, function() coroutine.yield(1); coroutine.yield(2) end)
omni.fixture("bad_teardown", {}, function() coroutine.yield(1); error("teardown exploded") end)
omni.fixture("cycle_a", {}, function(cycle_b) end)
omni.fixture("cycle_b", {}, function(cycle_a) end)
omni.fixture("skipper", {}, function() omni.skip("fixture says skip") end)

omni.test("uses_broken", function(broken) end)
omni.test("uses_twice", function(twice) end)
omni.test("uses_bad_teardown", function(bad_teardown) end)
omni.test("uses_undefined", function(brokem) end)
omni.test("uses_cycle", function(cycle_a) end)
omni.test("uses_skipper", function(skipper) end)
omni.test("fine", function() end)
