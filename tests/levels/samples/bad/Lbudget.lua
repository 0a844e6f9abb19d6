return omni.level {
  name = "Lbudget",

  budget = "30 minutes",
  steps = { { tests = "tests/a" } },
}
