-- The planner: a file stays in one unit; a session fixture with an
-- indirect parameter is set up once per value (its tests ordered by value,
-- files sharing it joined into one unit).
local omni = require "omni"
local assert = require "omni.assert"
local plan = require "omni.runner.plan"

local function item(file, values, def)
  local indirect = {}
  for k in pairs(values) do indirect[k] = true end
  return { file = file, values = values, indirect = indirect, fixtures = def and { def } or {} }
end

omni.test("one_unit_per_file_without_session_params", {}, function()
  local items = { item("a", {}), item("a", {}), item("b", {}) }
  assert.same(plan.units(items, { 1, 2, 3 }), { { 1, 2 }, { 3 } })
  assert.same(plan.units(items, { 2, 3 }), { { 2 }, { 3 } })
end)

omni.test("session_param_groups_files_and_orders_by_value", {}, function()
  local srv = { name = "server", scope = "session" }
  local A, B = {}, {}
  local items = {
    item("f1", { server = A }, srv), item("f1", { server = B }, srv),
    item("f2", { server = B }, srv), item("f2", { server = A }, srv),
    item("f3", {}),
  }
  local units = plan.units(items, { 1, 2, 3, 4, 5 })
  assert.equal(#units, 2)
  assert.same(units[1], { 1, 4, 2, 3 }) -- A, A, then B, B: two setups, not four
  assert.same(units[2], { 5 })
end)
