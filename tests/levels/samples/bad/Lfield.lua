return omni.level {
  name = "Lfield",
  budget = "30m",
  steps = {
    { tests = "tests/a" },
    { tests = "tests/b",
      file = "test_*_expansion.lua" },
  },
}
