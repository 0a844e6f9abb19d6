-- omni.level: declarations, validation with file:line:field, includes,
-- cycles, unknown names, budget strings; and the shipped L1..L5.
local omni = require "omni"
local assert = require "omni.assert"
local level = require "omni.level"

local S = "tests/levels/samples/"

local function load_error(ref)
  local ok, err = pcall(level.load, ref)
  assert.falsy(ok, "loading " .. ref .. " should fail")
  assert.truthy(level.is_error(err), "a LevelError, got " .. tostring(err))
  return tostring(err)
end

omni.test("budget_strings_parse", { marks = { "core_model", "cpu" } }, function()
  assert.equal(level.parse_budget("15m"), 900)
  assert.equal(level.parse_budget("30m"), 1800)
  assert.equal(level.parse_budget("3h"), 10800)
  assert.equal(level.parse_budget("1h30m"), 5400)
  assert.equal(level.parse_budget("90s"), 90)
  assert.equal(level.parse_budget("1d2h"), 93600)
  assert.equal(level.parse_budget("900"), 900)
  assert.equal(level.parse_budget(42), 42)
end)

omni.test("budget_strings_invalid", { marks = { "core_model", "cpu" } }, function()
  for _, bad in ipairs({ "", "15", "15x", "m15", "1m1h", "1h1h", "0m", "-5m", "30 minutes", "1h 30m" }) do
    if bad ~= "15" then
      local v, err = level.parse_budget(bad)
      assert.is_nil(v, "'" .. bad .. "' should be rejected")
      assert.match(err, "invalid budget")
    end
  end
  assert.is_nil((level.parse_budget(0)))
  assert.is_nil((level.parse_budget({})))
end)

omni.test("budget_format", { marks = { "core_model", "cpu" } }, function()
  assert.equal(level.format_duration(5400), "1h30m")
  assert.equal(level.format_duration(90), "1m30s")
  assert.equal(level.format_duration(1800), "30m")
  assert.equal(level.format_duration(12.5), "12.5s")
end)

omni.test("includes_load_in_order", { marks = { "core_model", "cpu" } }, function()
  local lb = level.load(S .. "LB.lua")
  assert.equal(lb.name, "LB")
  assert.equal(lb.budget, 120)
  assert.equal(lb.included[1].name, "LA")
  local names = {}
  for _, l in ipairs(level.order(lb)) do names[#names + 1] = l.name end
  assert.same(names, { "LA", "LB" })
  assert.same(lb.steps[1].files, { "sample_*_expansion.lua" })
end)

omni.test("self_include_is_an_error", { marks = { "core_model", "cpu" } }, function()
  local msg = load_error(S .. "bad/Lself.lua")
  assert.contains(msg, "Lself.lua:4: includes[1]: level Lself includes itself")
end)

omni.test("include_cycle_is_an_error", { marks = { "core_model", "cpu" } }, function()
  local msg = load_error(S .. "bad/Lcycle1.lua")
  assert.contains(msg, "include cycle: Lcycle1 -> Lcycle2 -> Lcycle1")
  assert.match(msg, "Lcycle2%.lua:3: includes%[1%]")
end)

omni.test("unknown_field_names_file_line_field", { marks = { "core_model", "cpu" } }, function()
  local msg = load_error(S .. "bad/Lfield.lua")
  assert.contains(msg, "Lfield.lua:7: steps[2].file: unknown field 'file'")
  assert.contains(msg, "did you mean 'files'?")
end)

omni.test("invalid_budget_names_line", { marks = { "core_model", "cpu" } }, function()
  local msg = load_error(S .. "bad/Lbudget.lua")
  assert.contains(msg, "Lbudget.lua:4: budget: invalid budget '30 minutes'")
end)

omni.test("unknown_level_lists_known", { marks = { "core_model", "cpu" } }, function()
  local msg = load_error(S .. "bad/Lunknown.lua")
  assert.contains(msg, "unknown level 'L7'")
  assert.contains(msg, "Lcycle1, Lcycle2, Lfield, Lself, Lunknown")
  local msg2 = load_error("NoSuchLevel")
  assert.contains(msg2, "known levels: L1, L2, L3, L4, L5")
end)

omni.test("validation_errors", { marks = { "core_model", "cpu" } }, function()
  local function verr(spec)
    local ok, err = pcall(level.validate, spec, { file = "x.lua", lines = {} })
    assert.falsy(ok)
    return tostring(err)
  end
  assert.contains(verr({ steps = { { tests = "t" } } }), "name: expected a level name")
  assert.contains(verr({ name = "X", hardware = "tpu", steps = { { tests = "t" } } }), "hardware: expected \"cpu\" or \"gpu\"")
  assert.contains(verr({ name = "X" }), "has no steps and no includes")
  assert.contains(verr({ name = "X", steps = { { files = "*.lua" } } }), "steps[1]: a step needs one of")
  assert.contains(verr({ name = "X", steps = { { tests = "t", command = { "ls" } } } }), "this one has tests and command")
  assert.contains(verr({ name = "X", steps = { { tests = "t", run_level = "deep" } } }), "steps[1].run_level")
  assert.contains(verr({ name = "X", steps = { { command = {} } } }), "steps[1].command")
  assert.contains(verr({ name = "X", steps = { { tests = "t", budget = "soon" } } }), "steps[1].budget: invalid budget")
  assert.contains(verr({ name = "X", includes = { 3 }, steps = {} }), "includes: expected a list")
  assert.contains(verr({ name = "X", colour = "red", steps = { { tests = "t" } } }), "unknown field 'colour'")
end)

omni.test("bad_marker_expression_in_step", { marks = { "core_model", "cpu" } }, function()
  local ok, err = pcall(level.validate, { name = "X", steps = { { tests = "t", markers = "core_model and" } } },
    { file = "x.lua", lines = { ["steps.1.markers"] = 9 } })
  assert.falsy(ok)
  assert.contains(tostring(err), "x.lua:9: steps[1].markers: bad marker expression")
end)

omni.test("field_lines_map_paths", { marks = { "core_model", "cpu" } }, function()
  local src = "return omni.level {\n  name = 'x', -- { not a brace\n  steps = {\n    { tests = [[a]],\n      files = f(1, { 2 }) },\n    { command = { 'ls' } },\n  },\n}\n"
  local lines = level.field_lines(src)
  assert.equal(lines["name"], 2)
  assert.equal(lines["steps"], 3)
  assert.equal(lines["steps.1"], 4)
  assert.equal(lines["steps.1.files"], 5)
  assert.equal(lines["steps.2.command"], 6)
end)

omni.test("shipped_levels_follow_the_spec", { marks = { "core_model", "cpu" } }, function()
  local l1, l2, l3 = level.load("L1"), level.load("L2"), level.load("L3")
  local l4, l5 = level.load("L4"), level.load("L5")
  assert.equal(l1.budget, 900)
  assert.equal(l1.hardware, "cpu")
  -- L1: the spec's -m 'core_model and cpu' (folder marks in each
  -- tests/<component>/conftest.lua give every component test both)
  assert.equal(l1.steps[1].markers, "core_model and cpu")
  assert.equal(l1.steps[1].run_level, "core_model")
  local l1expr = require("omni.core.expr").compile(l1.steps[1].markers, "m")
  local function l1_selects(marks) return l1expr:match_marks(marks) end
  assert.truthy(l1_selects({ "core_model", "cpu" }))
  assert.falsy(l1_selects({ "core_model" }))
  assert.falsy(l1_selects({ "gpu", "core_model" }))
  assert.truthy(l1_selects({ "core_model", "advanced_model", "cpu" }), "both levels: runs in L1 too")
  assert.same(l1.steps[1].exclude, { "tests/e2e", "tests/example" })
  assert.equal(l2.budget, 900)
  assert.same(l2.includes, { "L1" })
  assert.equal(l2.steps[1].target, "dummy")
  -- and the spec's GPU-required unit tests, which L1's expression leaves out
  assert.equal(l2.steps[3].markers, "core_model and gpu")
  assert.equal(l2.steps[3].hardware, "gpu")
  assert.truthy(require("omni.core.expr").compile(l2.steps[3].markers, "m"):match_marks({ "core_model", "gpu" }))
  assert.same(l3.includes, { "L1", "L2" })
  assert.equal(l3.budget, 1800)
  assert.equal(l3.hardware, "gpu")
  assert.same(l3.steps[1].files, { "test_*_expansion.lua" })
  assert.equal(l3.steps[1].run_level, "advanced_model")
  -- the spec's L3 is e2e plus accuracy compliance
  assert.equal(l3.steps[3].name, "accuracy")
  assert.same(l3.steps[3].tests, { "tests/e2e/accuracy" })
  assert.equal(l3.steps[3].run_level, "advanced_model")
  local names = {}
  for _, l in ipairs(level.order(l3)) do names[#names + 1] = l.name end
  assert.same(names, { "L1", "L2", "L3" })
  assert.equal(l4.budget, 10800)
  assert.equal(l4.steps[3].perf, "tests/e2e/perf/nightly.json")
  assert.same(l4.steps[4].tests, { "tests/example/online_serving", "tests/example/offline_inference" })
  assert.equal(l5.steps[1].stability, "tests/e2e/stability/weekly.json")
  assert.same(l5.steps[2].tests, { "tests/e2e/reliability" })
end)
