return omni.level {
  name = "Lunknown",
  includes = { "L7" },
  steps = { { tests = "tests/a" } },
}
