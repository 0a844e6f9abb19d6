return omni.level {
  name = "LA",
  budget = "1m",
  steps = {
    { tests = "tests/levels/samples/suite_a", files = "sample_*.lua", markers = "not advanced_model" },
  },
}
