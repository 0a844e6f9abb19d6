-- L1: unit and logic tests of each component (tests/<component>/test_*.lua),
-- on CPU. Runs when a PR gets the ready label; L1 and L2 together stay
-- under 15 minutes (L2 includes L1 and carries the shared budget).
return omni.level {
  name = "L1",
  description = "unit and logic tests (tests/<component>), CPU",
  when = "PR with ready label (also locally)",
  budget = "15m",
  hardware = "cpu",
  steps = {
    {
      name = "unit tests",
      tests = "tests",
      exclude = { "tests/e2e", "tests/example" },
      markers = "core_model and cpu",
      run_level = "core_model",
    },
  },
}
