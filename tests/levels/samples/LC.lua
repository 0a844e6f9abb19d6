return omni.level {
  name = "LC",
  budget = "2s",
  steps = {
    { tests = "tests/levels/samples/suite_slow", files = "sample_*.lua", name = "slow suite" },
    { tests = "tests/levels/samples/suite_b", files = "sample_*_expansion.lua", name = "never reached" },
  },
}
