-- Parameter sets and their pytest-style ids.
local omni = require "omni"
local assert = require "omni.assert"
local params = require "omni.runner.params"

omni.test("tokens_follow_pytest", {}, function()
  assert.equal(params.token("abc", "s", 0), "abc")
  assert.equal(params.token(3, "n", 0), "3")
  assert.equal(params.token(2.5, "n", 0), "2.5")
  assert.equal(params.token(true, "b", 0), "true")
  assert.equal(params.token({}, "cfg", 4), "cfg4")
  assert.equal(params.token(string.rep("x", 101), "s", 2), "s2")
  assert.equal(params.token("é\n", "s", 0), "\\xc3\\xa9\\n")
end)

omni.test("duplicates_get_counters", {}, function()
  assert.same(params.dedupe({ "a", "b", "a" }), { "a0", "b", "a1" })
  assert.same(params.dedupe({ "1", "1" }), { "1_0", "1_1" })
  assert.same(params.dedupe({ "x", "y" }), { "x", "y" })
end)

omni.test("cartesian_product_in_declared_order", {}, function()
  local sets = assert(params.expand({ { "x", { 1, 2 } }, { "y", { "a", "b" } } }))
  local ids = {}
  for i, s in ipairs(sets) do ids[i] = s.id end
  assert.same(ids, { "1-a", "1-b", "2-a", "2-b" })
  assert.equal(sets[3].values.x, 2)
  assert.equal(sets[3].values.y, "a")
end)

omni.test("map_form_sorts_names", {}, function()
  local sets = assert(params.expand({ b = { 1 }, a = { "z" } }))
  assert.equal(sets[1].id, "z-1")
end)

omni.test("param_objects_and_indirect", {}, function()
  local sets = assert(params.expand({ srv = omni.indirect({ omni.param({ model = "m" }, { id = "dummy", marks = { "slow" } }) }) }))
  assert.equal(sets[1].id, "dummy")
  assert.equal(sets[1].indirect.srv, true)
  assert.equal(sets[1].values.srv.model, "m")
  assert.same(sets[1].marks, { "slow" })
end)

omni.test("malformed_params_are_reported", {}, function()
  local sets, err = params.expand({ n = {} })
  assert.is_nil(sets)
  assert.match(err, "has no values")
  sets, err = params.expand({ ["a,b"] = { { 1 } } })
  assert.is_nil(sets)
  assert.match(err, "must be a list of 2 values")
end)

omni.test("ids_in_node_ids", {}, function(omnilua_test)
  local r = omnilua_test({ "tests/runner/samples/sample_params.lua" })
  assert.equal(r.code, 0)
  local names = {}
  for _, t in ipairs(r.json.tests) do names[#names + 1] = t.name end
  assert.same(names, {
    "single[1]", "single[2.5]", "single[a b]", "single[true]",
    "product[1-a]", "product[1-b]", "product[2-a]", "product[2-b]",
    "tables[cfg0]", "tables[cfg1]", "dupes[a0]", "dupes[a1]", "dupes[1_0]", "dupes[1_1]",
    "tuple[1-2]", "tuple[3-4]", "explicit[answer]", "explicit[7]",
  })
  assert.same(r.by_name["product[2-a]"].params, { x = "2", y = "a" })
  assert.same(r.by_name["explicit[7]"].marks, { "core_model", "cpu", "slow" }) -- folder marks first
end)
