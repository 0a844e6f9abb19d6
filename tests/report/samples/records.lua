-- Hand-made result records (the runner's contract) shared by the reporter
-- tests: one of each outcome, with awkward text in places.
local M = {}

M.meta = {
  rootdir = "/srv/repo", args = { "tests", "-m", "cpu" }, started_at = 1700000000.5,
  hostname = "ci-box", run_level = "core_model", markexpr = "cpu", workers = 2,
  collected = 8, deselected = 2, omnilua_version = "0.1.0",
}

function M.records()
  return {
    { nodeid = "tests/x/test_a.lua::grp::square[2-x]", file = "tests/x/test_a.lua", line = 12,
      name = "square[2-x]", classname = "tests.x.test_a.grp", outcome = "passed", when = "call",
      duration = 0.0125, marks = { "cpu" }, params = { n = "2", s = "x" } },
    { nodeid = "tests/x/test_a.lua::bad", file = "tests/x/test_a.lua", line = 20, name = "bad",
      classname = "tests.x.test_a", outcome = "failed", when = "call", duration = 1.5, marks = {},
      message = "Expected objects to be equal.",
      longrepr = "tests/x/test_a.lua:21: A.equal(a, b)\nExpected <&> \"q\"\1 end",
      stdout = "hello out\n", stderr = "bad byte \255 here" },
    { nodeid = "tests/x/test_b.lua::sk", file = "tests/x/test_b.lua", line = 3, name = "sk",
      classname = "tests.x.test_b", outcome = "skipped", when = "setup", duration = 0,
      reason = "no gpu" },
    { nodeid = "tests/x/test_b.lua::hang", file = "tests/x/test_b.lua", line = 5, name = "hang",
      classname = "tests.x.test_b", outcome = "failed", when = "call", duration = 5.0,
      cause = "timeout", message = "timed out after 5 s" },
    { nodeid = "tests/x/test_b.lua::fx", file = "tests/x/test_b.lua", line = 9, name = "fx",
      classname = "tests.x.test_b", outcome = "error", when = "setup", duration = 0.25,
      message = "fixture 'srv' failed: boom" },
    { nodeid = "tests/x/test_b.lua::xf", file = "tests/x/test_b.lua", line = 11, name = "xf",
      classname = "tests.x.test_b", outcome = "xfailed", when = "call", duration = 0.001,
      reason = "known bug" },
  }
end

M.collect_error = {
  nodeid = "tests/x/test_c.lua", file = "tests/x/test_c.lua", line = 3, name = "test_c.lua",
  classname = "tests.x", outcome = "error", when = "collect", duration = 0,
  message = "tests/x/test_c.lua:3: unexpected symbol near 'x'",
  longrepr = "tests/x/test_c.lua:3: unexpected symbol near 'x'",
}

M.summary = {
  counts = { passed = 1, failed = 2, skipped = 1, error = 2, xfailed = 1, deselected = 2 },
  duration = 6.75, exitcode = 1,
}

--- The folder of this file (tests/report/samples), for subprocess scripts.
function M.dir()
  return debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
end

return M
