return omni.level {
  name = "LB", includes = { "LA" }, budget = "2m", hardware = "cpu",
  steps = {
    { tests = "tests/levels/samples/suite_b", files = "sample_*_expansion.lua" },
  },
}
