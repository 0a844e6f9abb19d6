-- L5: weekly or before a release. Long-running stability (weekly.json) and
-- reliability under faults. The budget is "as configured": set
-- OMNILUA_L5_BUDGET (e.g. 14h) or pass --budget; unset means no limit.
return omni.level {
  name = "L5",
  description = "stability (weekly.json) + reliability (faults)",
  when = "weekly / days before a release",
  budget = os.getenv("OMNILUA_L5_BUDGET"),
  hardware = "gpu",
  steps = {
    { name = "stability", stability = "tests/e2e/stability/weekly.json" },
    { name = "reliability", tests = "tests/e2e/reliability", files = "test_*.lua" },
  },
}
