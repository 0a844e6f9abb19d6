-- omni.shard: K/N parsing, determinism, balance by recorded durations
-- (greedy longest first), by count without durations, fixture units.
local omni = require "omni"
local assert = require "omni.assert"
local shard = require "omni.shard"

local function items(n, params)
  local out = {}
  for i = 1, n do out[i] = { nodeid = string.format("t.lua::t%02d", i), params = params and params(i) or {} } end
  return out
end

omni.test("parse_k_of_n", { marks = { "core_model", "cpu" } }, function()
  local k, n = shard.parse("2/4")
  assert.same({ k, n }, { 2, 4 })
  for _, bad in ipairs({ "0/4", "5/4", "2", "a/b", "2/0", "" }) do
    local v, err = shard.parse(bad)
    assert.is_nil(v, bad)
    assert.contains(err, "invalid shard")
  end
end)

omni.test("every_test_in_exactly_one_shard_by_count", { marks = { "core_model", "cpu" } }, function()
  local all = items(10)
  local seen, sizes = {}, {}
  for k = 1, 3 do
    local mine = shard.select(all, k, 3)
    sizes[k] = #mine
    for _, it in ipairs(mine) do
      assert.is_nil(seen[it.nodeid], "twice: " .. it.nodeid)
      seen[it.nodeid] = k
    end
  end
  local count = 0
  for _ in pairs(seen) do count = count + 1 end
  assert.equal(count, 10)
  table.sort(sizes)
  assert.same(sizes, { 3, 3, 4 })
end)

omni.test("deterministic", { marks = { "core_model", "cpu" } }, function()
  local a = shard.assign(items(25), 4)
  local b = shard.assign(items(25), 4)
  assert.same(a, b)
end)

omni.test("balanced_by_durations_longest_first", { marks = { "core_model", "cpu" } }, function()
  local all = items(6)
  local db = { tests = {} }
  for i, d in ipairs({ 10, 1, 1, 1, 1, 6 }) do db.tests[all[i].nodeid] = { mean = d } end
  local of, loads = shard.assign(all, 2, { durations = db })
  assert.equal(of[1], 1, "the longest test goes first to shard 1")
  assert.equal(of[6], 2)
  table.sort(loads)
  assert.same(loads, { 10, 10 })
end)

omni.test("expensive_fixture_param_stays_together", { marks = { "core_model", "cpu" } }, function()
  local all = items(12, function(i) return { omni_server = i <= 6 and "qwen3" or "dummy", n = tostring(i) } end)
  local of = shard.assign(all, 4)
  for i = 2, 6 do assert.equal(of[i], of[1]) end
  for i = 8, 12 do assert.equal(of[i], of[7]) end
  assert.truthy(of[1] ~= of[7], "two servers, two shards")
  assert.equal(shard.unit_key(all[1], { "omni_server" }), "fixture:omni_server=qwen3")
end)
