-- omni.assert: each assertion passes, and fails with its documented message,
-- as an omni.outcome failure located at the test line that called it.
local omni = require "omni"
local A = require "omni.assert"
local outcome = require "omni.outcome"

-- "file:line" of the caller's current line: evaluated on the same line as
-- the assertion, it is where the failure must point.
local function here()
  local info = debug.getinfo(2, "Sl")
  return info.short_src .. ":" .. info.currentline
end

-- Runs fn, which must fail through omni.outcome; returns the failure.
local function failure(fn)
  local ok, err = pcall(fn)
  if ok then outcome.fail("expected a failure, the assertion passed", 2) end
  if outcome.kind(err) ~= "failure" then
    outcome.fail("expected an omni.outcome failure, got: " .. tostring(err), 2)
  end
  return err
end

local function check(err, where, message)
  A.equal(err.where, where)
  A.equal(err.message, message)
end

omni.test("equal", {}, function()
  A.equal(1, 1)
  A.equal("a", "a")
  A.equal(nil, nil)
  local t = {}
  A.equal(t, t)
  local e, w = failure(function() A.equal(1, 2) end), here()
  check(e, w, "Expected objects to be equal.\nPassed in:\n(integer) 1\nExpected:\n(integer) 2")
  e, w = failure(function() A.equal("abc", "abd", "tokens") end), here()
  check(e, w, 'tokens\nExpected objects to be equal.\nPassed in:\n(string) "abc"\nExpected:\n' ..
    '(string) "abd"\nFirst difference at byte 3.')
  e = failure(function() A.equal({}, {}) end)
  A.match(e.message, "^Expected objects to be equal%.")
end)

omni.test("same_passes_on_deep_equality_and_cycles", {}, function()
  A.same({ 1, { a = "x", b = { true } } }, { 1, { a = "x", b = { true } } })
  A.same(0 / 0, 0 / 0)
  A.same(1, 1.0)
  local a, b = { 1 }, { 1 }
  a.self, b.self = a, b
  A.same(a, b)
end)

omni.test("same_lists_each_differing_path", {}, function()
  local e, w = failure(function()
    A.same({ 1, { name = "b" }, 3, extra = 1 }, { 1, { name = "a" }, 3, 4 }) end), here()
  check(e, w, table.concat({
    "Expected objects to be the same.",
    "Differences:",
    '  [2].name: expected "a", got "b"',
    "  [4]: missing (expected 4)",
    "  extra: unexpected (got 1)",
    "Passed in:",
    '(table) { 1, { name = "b" }, 3, extra = 1 }',
    "Expected:",
    '(table) { 1, { name = "a" }, 3, 4 }',
  }, "\n"))
  e = failure(function() A.same({ ["a b"] = { x = 1 } }, { ["a b"] = { x = 2 } }) end)
  A.contains(e.message, '\n  ["a b"].x: expected 2, got 1\n')
  e = failure(function() A.same(1, "1") end)
  A.contains(e.message, '\n  (root): expected "1", got 1\n')
end)

omni.test("same_handles_cycles_in_failures_and_caps_the_list", {}, function()
  local a = { 1 }
  a.self = a
  local e = failure(function() A.same(a, { 2, self = { 2 } }) end)
  A.contains(e.message, "  [1]: expected 2, got 1\n")
  A.contains(e.message, "  self[1]: expected 2, got 1\n")
  A.contains(e.message, "(table) { 1, self = <cycle> }")
  local big1, big2 = {}, {}
  for i = 1, 30 do big1[i], big2[i] = i, -i end
  e = failure(function() A.same(big1, big2) end)
  A.contains(e.message, "  ...and 10 more differences\n")
end)

omni.test("near", {}, function()
  A.near(1.0, 1.05, 0.1)
  A.near(3, 3, 0)
  local e, w = failure(function() A.near(1.5, 1, 0.25) end), here()
  check(e, w, "Expected values to be near.\nPassed in:\n(number) 1.5\nExpected:\n" ..
    "(integer) 1 +/- 0.25\nDifference: 0.5")
  e = failure(function() A.near("x", 1, 0.25) end)
  A.match(e.message, "^Expected values to be near%.\nPassed in:\n%(string%) \"x\"")
  A.raises(function() A.near(1, 1) end, "bad argument #3 to 'near' (number expected, got nil)")
end)

omni.test("match", {}, function()
  A.match("hello world", "^hello")
  A.match("v1.2", "%d+%.%d+")
  local e, w = failure(function() A.match("hello", "^w") end), here()
  check(e, w, 'Expected string to match pattern.\nPassed in:\n(string) "hello"\nExpected:\n' ..
    '(pattern) "^w"')
  e = failure(function() A.match(nil, "x") end)
  A.contains(e.message, "(nil) nil")
end)

omni.test("contains", {}, function()
  A.contains("hello world", "o w")
  A.contains("a.b", ".") -- plain substring, not a pattern
  A.contains({ 1, 2, 3 }, 2)
  A.contains({ { id = 1 }, { id = 2 } }, { id = 2 }) -- deep equality
  A.contains({ x = "y" }, "y")
  local e, w = failure(function() A.contains("abc", "x") end), here()
  check(e, w, 'Expected string to contain substring.\nPassed in:\n(string) "abc"\nExpected:\n' ..
    '(string) "x"')
  e, w = failure(function() A.contains({ 1 }, 2) end), here()
  check(e, w, "Expected table to contain value.\nPassed in:\n(table) { 1 }\nExpected:\n(integer) 2")
  A.raises(function() A.contains(5, 1) end, "bad argument #1 to 'contains'")
end)

omni.test("raises", {}, function()
  local text, err = A.raises(function() error("boom: disk full") end, "disk full")
  A.match(text, "boom: disk full$")
  A.equal(err, text)
  text = A.raises(function() error({ code = 7 }) end)
  A.match(text, "^table: ")
  A.raises(function() error("a (b)") end, "a (b)")      -- plain substring
  A.raises(function() error("code 42") end, "code %d+") -- or a Lua pattern
  -- a failure raised inside counts, and its message is the text
  text = A.raises(function() A.equal(1, 2) end, "to be equal")
  A.match(text, "^Expected objects to be equal")
  local e, w = failure(function() A.raises(function() end) end), here()
  check(e, w, "Expected function to raise an error.")
  e, w = failure(function() A.raises(function() error("xx", 0) end, "yy") end), here()
  check(e, w, 'Expected error to match pattern.\nCaught:\n(string) "xx"\nExpected:\n' ..
    '(pattern) "yy"')
  A.raises(function() A.raises(nil) end, "bad argument #1 to 'raises' (function expected")
end)

omni.test("raises_lets_skips_through", {}, function()
  local ok, err = pcall(A.raises, function() outcome.skip("later") end)
  A.falsy(ok)
  A.equal(outcome.kind(err), "skip")
end)

omni.test("type", {}, function()
  A.type("s", "string")
  A.type({}, "table")
  A.type(1, "integer")
  A.type(1.5, "float")
  A.type(1.5, "number")
  local e, w = failure(function() A.type(1.5, "integer") end), here()
  check(e, w, "Expected value of type integer.\nPassed in:\n(number) 1.5")
  e = failure(function() A.type(nil, "string", "config name") end)
  A.equal(e.message, "config name\nExpected value of type string.\nPassed in:\n(nil) nil")
end)

omni.test("truthy_falsy_nil", {}, function()
  A.equal(A.truthy(0), 0)
  A.falsy(false)
  A.falsy(nil)
  A.is_nil(nil)
  A.equal(A.not_nil(false), false)
  local e, w = failure(function() A.truthy(nil) end), here()
  check(e, w, "Expected value to be truthy.\nPassed in:\n(nil) nil")
  e, w = failure(function() A.falsy("x") end), here()
  check(e, w, 'Expected value to be falsy.\nPassed in:\n(string) "x"')
  e, w = failure(function() A.is_nil(0) end), here()
  check(e, w, "Expected value to be nil.\nPassed in:\n(integer) 0")
  e, w = failure(function() A.not_nil(nil, "server handle") end), here()
  check(e, w, "server handle\nExpected value not to be nil.\nPassed in:\n(nil) nil")
end)

omni.test("fail_and_call", {}, function()
  local e, w = failure(function() A.fail("not implemented") end), here()
  check(e, w, "not implemented")
  e, w = failure(function() A.fail() end), here()
  check(e, w, "Failed.")
  A.equal(select("#", A(1, 2, 3)), 3)
  e, w = failure(function() A(false, "flag must be set") end), here()
  check(e, w, "flag must be set\nPassed in:\n(boolean) false")
  e = failure(function() A(nil) end)
  A.equal(e.message, "assertion failed!\nPassed in:\n(nil) nil")
end)

omni.test("huge_values_are_truncated", {}, function()
  local e = failure(function() A.equal(string.rep("x", 100000), "y") end)
  A.truthy(#e.message < 1000, "message has " .. #e.message .. " bytes")
  A.contains(e.message, "...(100000 bytes)")
  local big = {}
  for i = 1, 10000 do big[i] = { i, tostring(i) } end
  e = failure(function() A.same(big, {}) end)
  A.truthy(#e.message < 12000, "message has " .. #e.message .. " bytes")
end)
