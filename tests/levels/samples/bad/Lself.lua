return omni.level {
  name = "Lself",
  includes = {
    "Lself",
  },
  steps = { { tests = "x" } },
}
