-- omni.core.expr: the -m / -k expressions as the runner uses them
-- (happy path, the nil-err path with pytest's messages, the raise path).
local omni = require "omni"
local assert = require "omni.assert"
local expr = require "omni.core.expr"

local function m(src) return assert.not_nil(expr.compile(src, "m")) end
local function k(src) return assert.not_nil(expr.compile(src, "k")) end

omni.test("marks_plain_names", {}, function()
  local e = m("core_model and cpu")
  assert.equal(e:match_marks({ "core_model", "cpu" }), true)
  assert.equal(e:match_marks({ "cpu", "core_model", "gpu" }), true)
  assert.equal(e:match_marks({ "core_model" }), false)
  assert.equal(e:match_marks({}), false)
end)

omni.test("marks_names_are_exact_and_case_sensitive", {}, function()
  local e = m("gpu")
  assert.equal(e:match_marks({ "GPU" }), false)
  assert.equal(e:match_marks({ "gpu_big" }), false)
  assert.equal(e:match_marks({ "gp" }), false)
end)

omni.test("marks_precedence_not_and_or", {}, function()
  local e = m("a or b and not c")
  assert.equal(e:match_marks({ "a", "c" }), true)
  assert.equal(e:match_marks({ "b", "c" }), false)
  assert.equal(e:match_marks({ "b" }), true)
  assert.equal(m("(a or b) and not c"):match_marks({ "a", "c" }), false)
end)

omni.test("marks_keyword_prefixes_are_identifiers", {}, function()
  assert.equal(m("order"):match_marks({ "order" }), true)
  assert.equal(m("Not and android"):match_marks({ "Not", "android" }), true)
  assert.equal(m("not notice"):match_marks({ "notice" }), false)
end)

omni.test("marks_table_form_and_call_kwargs", {}, function()
  local marks = { "cpu", { name = "timeout", kwargs = { seconds = 5, mode = "hard", on = true } } }
  assert.equal(m("timeout"):match_marks(marks), true)
  assert.equal(m("timeout(seconds=5)"):match_marks(marks), true)
  assert.equal(m("timeout(seconds=5, mode='hard')"):match_marks(marks), true)
  assert.equal(m('timeout(mode="hard", on=True)'):match_marks(marks), true)
  assert.equal(m("timeout(seconds=6)"):match_marks(marks), false)
  assert.equal(m("timeout(seconds='5')"):match_marks(marks), false)
  assert.equal(m("timeout(missing=1)"):match_marks(marks), false)
  assert.equal(m("timeout(on=False)"):match_marks(marks), false)
  -- a bare string mark has no kwargs, so a call never matches it
  assert.equal(m("cpu(x=1)"):match_marks(marks), false)
  -- a table mark without kwargs matches by name only
  assert.equal(m("slow"):match_marks({ { name = "slow" } }), true)
  assert.equal(m("slow(x=1)"):match_marks({ { name = "slow" } }), false)
end)

omni.test("marks_call_values_compare_as_python", {}, function()
  -- pytest compares with Python's ==: 5 == 5.0, True == 1, -3 is an int
  assert.equal(m("t(s=5)"):match_marks({ { name = "t", kwargs = { s = 5.0 } } }), true)
  assert.equal(m("t(s=1)"):match_marks({ { name = "t", kwargs = { s = true } } }), true)
  assert.equal(m("t(s=True)"):match_marks({ { name = "t", kwargs = { s = 1 } } }), true)
  assert.equal(m("t(s=-3)"):match_marks({ { name = "t", kwargs = { s = -3 } } }), true)
  assert.equal(m("t(s=None)"):match_marks({ { name = "t", kwargs = { s = require("cjson").null } } }),
    true)
  assert.equal(m("t(s=None)"):match_marks({ { name = "t", kwargs = {} } }), false)
  -- some mark of that name must hold every kwarg
  local two = { { name = "t", kwargs = { a = 1 } }, { name = "t", kwargs = { a = 2, b = 3 } } }
  assert.equal(m("t(a=2, b=3)"):match_marks(two), true)
  assert.equal(m("t(a=1, b=3)"):match_marks(two), false)
end)

omni.test("empty_expression_is_false", {}, function()
  assert.equal(m(""):match_marks({ "a" }), false)
  assert.equal(m("   "):match_marks({ "a" }), false)
  assert.equal(k(""):match_keywords({ "a" }), false)
end)

omni.test("keywords_case_insensitive_substring", {}, function()
  local words = { "test_square.lua", "group", "square[2-x]" }
  assert.equal(k("square"):match_keywords(words), true)
  assert.equal(k("SQUARE"):match_keywords(words), true)
  assert.equal(k("quar"):match_keywords(words), true)
  assert.equal(k("[2-x]"):match_keywords(words), true)
  assert.equal(k("test_square.lua"):match_keywords(words), true)
  assert.equal(k("cube"):match_keywords(words), false)
  assert.equal(k("not cube and (grp or group)"):match_keywords(words), true)
  assert.equal(k("square and not 2"):match_keywords(words), false)
end)

omni.test("names_lists_identifiers", {}, function()
  assert.same(m("a or not (b and t(x=1))"):names(), { "a", "b", "t" })
end)

omni.test("syntax_errors_return_nil_and_pytest_message", {}, function()
  local cases = {
    ["a and"] = "at column 6: expected not OR left parenthesis OR identifier; got end of input",
    ["a b"] = "at column 3: expected end of input; got identifier",
    ["(a"] = "at column 3: expected right parenthesis; got end of input",
    ["!a"] = 'at column 1: unexpected character "!"',
    ["a or 'x"] = "at column 6: closing quote \"'\" is missing",
    ["t(x=1.5)"] = 'at column 5: unexpected character/s "1.5"',
    ["t(class=1)"] = "at column 3: unexpected reserved python keyword `class`",
  }
  for src, want in pairs(cases) do
    local e, err = expr.compile(src, "m")
    assert.is_nil(e, src)
    assert.equal(err, want, src)
  end
end)

omni.test("keyword_expressions_reject_calls", {}, function()
  local e, err = expr.compile("a or t(x=1)", "k")
  assert.is_nil(e)
  assert.equal(err, "Keyword expressions do not support call parameters.")
  -- an -m expression used for keywords raises the same message at match time
  assert.raises(function() m("t(x=1)"):match_keywords({ "t" }) end,
    "Keyword expressions do not support call parameters.")
end)

omni.test("deep_nesting_is_an_error_not_a_crash", {}, function()
  local e, err = expr.compile(string.rep("(", 100000), "m")
  assert.is_nil(e)
  assert.match(err, "^at column 1002: expression nested too deeply")
  assert.not_nil(expr.compile(string.rep("(", 1000) .. "a" .. string.rep(")", 1000), "m"))
end)

omni.test("wrong_types_raise", {}, function()
  assert.raises(function() expr.compile() end, "bad argument #1 to")
  assert.raises(function() expr.compile({}) end, "bad argument #1 to")
  assert.raises(function() expr.compile("a", "x") end, "invalid option 'x'")
  local e = m("a")
  assert.raises(function() e:match_marks() end, "table expected, got no value")
  assert.raises(function() e:match_marks("a") end, "table expected, got string")
  assert.raises(function() e:match_marks({ 1 }) end,
    "bad mark #1 (string or table expected, got number)")
  assert.raises(function() e:match_marks({ "b", { kwargs = {} } }) end,
    "bad mark #2 (field 'name' must be a string)")
  assert.raises(function() e:match_keywords({ "b", {} }) end,
    "bad keyword #2 (string expected, got table)")
  assert.raises(function() e.match_marks({}, {}) end, "omni.core.expr expected")
end)

omni.test("many_compiled_objects_are_collected", {}, function()
  for i = 1, 2000 do
    local e = m("a" .. i .. " or b")
    assert.equal(e:match_marks({ "b" }), true)
  end
  collectgarbage()
  collectgarbage()
  assert.match(tostring(m("a")), "^omni.core.expr")
end)
