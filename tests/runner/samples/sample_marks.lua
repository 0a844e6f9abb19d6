-- Marks and names for -m / -k selection. Every test here also carries
-- core_model and cpu from tests/runner/conftest.lua (omni.marks), so the
-- selections below use other marks.
local omni = require "omni"

omni.test("slow_omni", { marks = { "slow", "omni" } }, function() end)
omni.test("gpu_omni", { marks = { "gpu", "omni" } }, function() end)
omni.test("slow_diffusion", { marks = { "slow", "diffusion" } }, function() end)
omni.test("unmarked_Thing", function() end)
omni.test("with_timeout_mark", { marks = { { name = "timeout", kwargs = { seconds = 5 } } } }, function() end)
