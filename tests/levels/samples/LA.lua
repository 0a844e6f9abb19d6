return omni.level {
  name = "LA",
  budget = "1m",
  steps = {
    { tests = "tests/levels/samples/suite_a", markers = "core_model" },
  },
}
