-- L4: nightly. Every case of the expansion files at the advanced run level,
-- the performance matrix (nightly.json) and the documentation examples.
return omni.level {
  name = "L4",
  description = "full function + performance (nightly.json) + doc tests",
  when = "nightly",
  budget = "3h",
  hardware = "gpu",
  steps = {
    {
      name = "full function online",
      tests = "tests/e2e/online_serving",
      files = "test_*_expansion.lua",
      run_level = "advanced_model",
    },
    {
      name = "full function offline",
      tests = "tests/e2e/offline_inference",
      files = "test_*_expansion.lua",
      run_level = "advanced_model",
    },
    { name = "performance", perf = "tests/e2e/perf/nightly.json" },
    {
      name = "doc tests",
      tests = { "tests/example/online_serving", "tests/example/offline_inference" },
      files = "test_*.lua",
    },
  },
}
