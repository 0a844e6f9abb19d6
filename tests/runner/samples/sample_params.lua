-- Parameter ids as pytest generates them, for test_params.lua.
local omni = require "omni"

omni.test("single", { params = { n = { 1, 2.5, "a b", true } } }, function(n) end)
omni.test("product", { params = { { "x", { 1, 2 } }, { "y", { "a", "b" } } } }, function(x, y) end)
omni.test("tables", { params = { cfg = { { k = 1 }, { k = 2 } } } }, function(cfg) end)
omni.test("dupes", { params = { s = { "a", "a", "1", "1" } } }, function(s) end)
omni.test("tuple", { params = { ["a,b"] = { { 1, 2 }, { 3, 4 } } } }, function(a, b) assert(b == a + 1) end)
omni.test("explicit", { params = { v = { omni.param(42, { id = "answer" }),
  omni.param(7, { marks = { "slow" } }) } } }, function(v) end)
