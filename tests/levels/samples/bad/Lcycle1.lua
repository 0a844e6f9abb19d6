return omni.level {
  name = "Lcycle1",
  includes = { "Lcycle2" },
  steps = { { tests = "x" } },
}
