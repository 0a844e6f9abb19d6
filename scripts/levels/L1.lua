-- L1: unit and logic tests of each component (tests/<component>/test_*.lua),
-- on CPU. Runs when a PR gets the ready label; L1 and L2 together stay
-- under 15 minutes (L2 includes L1 and carries the shared budget).
--
-- The spec's selection: -m 'core_model and cpu'. Each component folder's
-- conftest.lua marks its tests with omni.marks{ "core_model", "cpu" } (the
-- spec's pytestmark); a test that needs a real GPU carries `gpu` instead of
-- `cpu` and runs in L2. `omnilua lint tests/` reports a component test
-- without the marks (OL004), so a new folder is not silently left out.
return omni.level {
  name = "L1",
  description = "unit and logic tests (tests/<component>), CPU",
  when = "PR with ready label (also locally)",
  budget = "15m",
  hardware = "cpu",
  steps = {
    {
      name = "unit tests",
      tests = "tests",
      exclude = { "tests/e2e", "tests/example" },
      markers = "core_model and cpu",
      run_level = "core_model",
      workers = "auto",
    },
  },
}
