return omni.level {
  name = "Lcycle2",
  includes = { "Lcycle1" },
  steps = { { tests = "x" } },
}
