-- L2: basic end-to-end, online and offline, against the dummy model
-- (tests/e2e/{online_serving,offline_inference}/test_<model>.lua). The dummy
-- server runs on CPU, so these steps run without a GPU. And the spec's
-- "GPU-required UT": the component tests marked gpu (not cpu), which L1's
-- expression leaves out; skipped on a machine without a GPU. L1 + L2 share
-- 15 min.
return omni.level {
  name = "L2",
  description = "basic e2e online and offline with the dummy model",
  when = "PR with ready label",
  includes = { "L1" },
  budget = "15m",
  hardware = "gpu",
  steps = {
    {
      name = "e2e online (dummy)",
      tests = "tests/e2e/online_serving",
      files = "test_*.lua",
      exclude = "test_*_expansion.lua",
      markers = "core_model",
      run_level = "core_model",
      target = "dummy",
    },
    {
      name = "e2e offline (dummy)",
      tests = "tests/e2e/offline_inference",
      files = "test_*.lua",
      exclude = "test_*_expansion.lua",
      markers = "core_model",
      run_level = "core_model",
      target = "dummy",
    },
    {
      name = "GPU unit tests",
      tests = "tests",
      exclude = { "tests/e2e", "tests/example" },
      markers = "core_model and gpu",
      run_level = "core_model",
      hardware = "gpu",
    },
  },
}
