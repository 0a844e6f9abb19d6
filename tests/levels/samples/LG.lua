-- A GPU level: its command step is skipped without a GPU, its dummy step runs.
return omni.level {
  name = "LG",
  hardware = "gpu",
  steps = {
    { command = { "true" }, name = "needs a gpu" },
    { tests = "tests/levels/samples/suite_b", files = "sample_*_expansion.lua", target = "dummy", name = "dummy" },
  },
}
