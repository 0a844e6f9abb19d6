-- L3: real models, several deployments, accuracy and key performance.
-- Runs when a PR is merged, after L1 and L2; the whole run fits in 30 min.
return omni.level {
  name = "L3",
  description = "real model e2e (test_*_expansion.lua), accuracy, key perf",
  when = "PR merged (runs L1 and L2 first)",
  includes = { "L1", "L2" },
  budget = "30m",
  hardware = "gpu",
  steps = {
    {
      name = "e2e online (expansion)",
      tests = "tests/e2e/online_serving",
      files = "test_*_expansion.lua",
      markers = "advanced_model",
      run_level = "advanced_model",
    },
    {
      name = "e2e offline (expansion)",
      tests = "tests/e2e/offline_inference",
      files = "test_*_expansion.lua",
      markers = "advanced_model",
      run_level = "advanced_model",
    },
    {
      -- accuracy compliance: the shipped evaluation set, scored and checked
      -- against tests/e2e/accuracy/accuracy.json's threshold and baseline
      name = "accuracy",
      tests = "tests/e2e/accuracy",
      files = "test_*_expansion.lua",
      markers = "advanced_model",
      run_level = "advanced_model",
    },
    -- a step may also run a foreign suite and ingest its JUnit XML:
    -- { command = { "pytest", "-m", "core_model and cpu", "--junitxml=python-l3.xml" }, junit = "python-l3.xml" },
  },
}
