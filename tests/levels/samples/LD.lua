-- One step that runs, one whose folder is missing and one whose selection
-- is empty: the level passes (empty steps are notes).
return omni.level {
  name = "LD",
  budget = "1m",
  steps = {
    { tests = "tests/levels/samples/suite_b", files = "sample_*_expansion.lua", name = "runs" },
    { tests = "tests/levels/samples/no_such_folder", files = "sample_*.lua", name = "missing" },
    { tests = "tests/levels/samples/suite_a", files = "sample_*.lua", keywords = "nothing_matches", name = "empty selection" },
  },
}
