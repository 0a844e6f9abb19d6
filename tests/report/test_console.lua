-- omni.report.console fed with hand-made records; the output is read back.
local omni = require "omni"
local A = require "omni.assert"
local console = require "omni.report.console"

local here = debug.getinfo(1, "S").source:sub(2):match("^(.*)/[^/]*$") or "."
local data = dofile(here .. "/samples/records.lua")

-- Runs a whole session through a console reporter and returns its output.
local function run(opts, records, summary, collect_error)
  local out = io.tmpfile()
  opts.out, opts.width = out, opts.width or 80
  local r = console.new(opts)
  r:start(data.meta)
  if collect_error then r:collect_error(collect_error) end
  for _, rec in ipairs(records or data.records()) do r:result(rec) end
  r:finish(summary or data.summary)
  out:seek("set", 0)
  local s = out:read("a")
  out:close()
  return s
end

local function lines(s)
  local t = {}
  for l in s:gmatch("([^\n]*)\n") do t[#t + 1] = l end
  return t
end

omni.test("closing_line_pytest_order_and_wording", {}, function()
  local s = run({}, nil, nil, data.collect_error)
  local l = lines(s)
  -- pytest's sep(): fill = (80 - 74 - 2) // 2 = 2 "=" each side, one more if it fits
  A.equal(l[#l], "== 2 failed, 1 passed, 1 skipped, 2 deselected, 1 xfailed, 2 errors in 6.75s ===")
end)

omni.test("closing_line_singular_error_and_long_duration", {}, function()
  local s = run({ verbosity = -1 }, {}, { counts = { passed = 3, error = 1 }, duration = 75.3 })
  A.equal(lines(s)[#lines(s)], "3 passed, 1 error in 75.30s (0:01:15)")
end)

omni.test("closing_line_when_nothing_ran", {}, function()
  local s = run({ verbosity = -1 }, {}, { counts = {}, duration = 0.01 })
  A.equal(s, "no tests ran in 0.01s\n")
  s = run({}, {}, { counts = { deselected = 4 }, duration = 0.01 })
  A.match(s, "\n=+ 4 deselected in 0%.01s =+\n$")
end)

omni.test("quiet_levels", {}, function()
  local s = run({ verbosity = -1 })
  A.falsy(s:find("test session starts", 1, true))
  A.equal(lines(s)[#lines(s)], "2 failed, 1 passed, 1 skipped, 2 deselected, 1 xfailed, 2 errors in 6.75s")
  s = run({ verbosity = -2 })
  A.falsy(s:find("in 6.75s", 1, true))
end)

omni.test("header_and_progress_dots_per_file", {}, function()
  local l = lines(run({}))
  A.equal(l[1], "============================= test session starts ==============================")
  A.equal(l[2], "omnilua 0.1.0, " .. _VERSION .. ", run level: core_model, workers: 2")
  A.equal(l[3], "rootdir: /srv/repo")
  A.equal(l[4], "collected 8 items / 2 deselected / 6 selected")
  A.equal(l[6], "tests/x/test_a.lua .F" .. string.rep(" ", 53) .. "[ 33%]")
  A.equal(l[7], "tests/x/test_b.lua sFEx" .. string.rep(" ", 51) .. "[100%]")
  A.equal(#l[6], 80)
end)

omni.test("verbose_lines_with_cause_and_percentage", {}, function()
  local l = lines(run({ verbosity = 1 }))
  A.equal(l[6], "tests/x/test_a.lua::grp::square[2-x] PASSED" .. string.rep(" ", 31) .. "[ 16%]")
  A.contains(l[9], "tests/x/test_b.lua::hang FAILED (timeout)")
  A.match(l[9], "%[ 66%%%]$")
  A.contains(l[8], "SKIPPED (no gpu)")
  A.contains(l[11], "XFAIL")
end)

omni.test("failures_errors_and_short_summary", {}, function()
  local s = run({}, nil, nil, data.collect_error)
  A.contains(s, "\n==================================== ERRORS ====================================\n")
  A.contains(s, "\n_____________________ ERROR collecting tests/x/test_c.lua ______________________\n")
  A.contains(s, "ERROR at setup of tests/x/test_b.lua::fx")
  A.contains(s, "\n=================================== FAILURES ===================================\n")
  A.contains(s, "\ntests/x/test_a.lua:21: A.equal(a, b)\n")
  A.contains(s, "\n----------------------------- Captured stdout call -----------------------------\nhello out\n")
  A.contains(s, "Captured stderr call")
  A.contains(s, "\n=========================== short test summary info ============================\n")
  A.contains(s, "\nFAILED tests/x/test_a.lua::bad - Expected objects to be equal.\n")
  A.contains(s, "\nFAILED tests/x/test_b.lua::hang - [timeout] timed out after 5 s\n")
  A.contains(s, "\nERROR tests/x/test_b.lua::fx - fixture 'srv' failed: boom\n")
  A.contains(s, "\nERROR tests/x/test_c.lua - tests/x/test_c.lua:3: unexpected symbol near 'x'\n")
  -- errors before failures, FAILED lines before ERROR lines (pytest's order)
  A.truthy(s:find("= ERRORS =", 1, true) < s:find("= FAILURES =", 1, true))
  A.truthy(s:find("\nFAILED ", 1, true) < s:find("\nERROR ", 1, true))
end)

omni.test("summary_lines_cut_to_width_unless_ci", {}, function()
  local rec = data.records()[2]
  rec.message = string.rep("m", 200)
  local s = run({}, { rec }, { counts = { failed = 1 }, duration = 1 })
  local line = s:match("\n(FAILED [^\n]*)")
  A.equal(#line, 80)
  A.match(line, "%.%.%.$")
  s = run({ ci = true }, { rec }, { counts = { failed = 1 }, duration = 1 })
  A.contains(s, string.rep("m", 200) .. "\n")
end)

omni.test("colour_only_when_asked", {}, function()
  A.falsy(run({}):find("\27[", 1, true))
  local s = run({ color = true })
  A.contains(s, "\27[31mF\27[0m")
  A.contains(s, "\27[32m.\27[0m")
end)

omni.test("budget_and_interrupted_lines", {}, function()
  local rec = { nodeid = "tests/x/test_z.lua::late", file = "tests/x/test_z.lua", line = 1,
    name = "late", outcome = "notrun", when = "setup", duration = 0, cause = "budget" }
  local s = run({ verbosity = -1 }, { data.records()[1], rec }, {
    counts = { passed = 1, notrun = 7 }, duration = 900,
    budget = { limit = 900, exhausted = true, notrun = 7 }, exitcode = 1 })
  A.contains(s, "NOT RUN: 7 tests not run because the run budget of 900.00s (0:15:00) ran out\n")
  A.match(s, "1 passed, 7 not run in 900%.00s %(0:15:00%)\n$")
  s = run({}, {}, { counts = {}, duration = 1, interrupted = "1 error during collection" })
  A.contains(s, " Interrupted: 1 error during collection !")
end)

omni.test("durations_table", {}, function()
  local summary = { counts = data.summary.counts, duration = 6.75, durations = 2 }
  local s = run({}, nil, summary)
  A.contains(s, "slowest 2 durations")
  A.contains(s, "\n5.00s total    tests/x/test_b.lua::hang\n1.50s total    tests/x/test_a.lua::bad\n")
  A.falsy(s:find("0.25s total", 1, true))
  summary.durations = 0 -- all, hiding the tiny ones as pytest does
  s = run({}, nil, summary)
  A.contains(s, "0.25s total    tests/x/test_b.lua::fx\n")
  A.contains(s, "(2 durations < 0.005s hidden.  Use -vv to show these durations.)")
end)

omni.test("collect_only", {}, function()
  local s = run({ verbosity = -1 }, {}, { collect_only = true, duration = 0.02,
    items = { "tests/a.lua::x", "tests/a.lua::y" }, counts = { deselected = 1 } })
  A.equal(s, "tests/a.lua::x\ntests/a.lua::y\n2/3 tests collected (1 deselected) in 0.02s\n")
end)
