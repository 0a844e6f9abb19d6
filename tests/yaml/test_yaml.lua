-- omni.yaml: PyYAML-compatible typing, anchors and merges, errors with
-- file:line:column, dump's key order and quoting, and round trips.
local omni = require "omni"
local assert = require "omni.assert"
local yaml = require "omni.yaml"
local cjson = require "cjson"

local function value(text) -- the value of `k: <text>`
  return assert.not_nil(yaml.load("k: " .. text)).k
end

omni.test("typed_scalars_as_pyyaml", { marks = { "cpu" } }, function()
  -- expectations from PyYAML 6.0 yaml.safe_load
  local ints = { ["5"] = 5, ["+1"] = 1, ["-42"] = -42, ["017"] = 15, ["0x1F"] = 31, ["0b101"] = 5,
    ["1_000"] = 1000, ["1:30"] = 90, ["0"] = 0 }
  for text, want in pairs(ints) do
    local v = value(text)
    assert.type(v, "integer", text)
    assert.equal(v, want, text)
  end
  local floats = { ["0.9"] = 0.9, [".5"] = 0.5, ["1."] = 1.0, ["3.0"] = 3.0, ["1.0e+3"] = 1000.0,
    ["1:30.5"] = 90.5 }
  for text, want in pairs(floats) do
    local v = value(text)
    assert.type(v, "float", text)
    assert.equal(v, want, text)
  end
  assert.equal(value(".inf"), math.huge)
  assert.equal(value("-.Inf"), -math.huge)
  local nan = value(".nan")
  assert.truthy(nan ~= nan, ".nan is NaN")
  for _, t in ipairs({ "true", "True", "yes", "on", "ON" }) do assert.equal(value(t), true, t) end
  for _, t in ipairs({ "false", "no", "No", "off" }) do assert.equal(value(t), false, t) end
  for _, t in ipairs({ "~", "null", "NULL", "" }) do assert.equal(value(t), yaml.null, t) end
  -- strings, including the ones YAML 1.2 would type differently
  for _, t in ipairs({ "1e3", "-.5", "0o17", "08", "hello world", "2024-01-01", "nULL" }) do
    assert.equal(value(t), t, t)
  end
  assert.equal(value("'1.5'"), "1.5")
  assert.equal(value('"true"'), "true")
  assert.equal(value("!!str 123"), "123")
  assert.type(value("!!float 2"), "float")
  assert.equal(value('"0"'), "0")
  assert.equal(yaml.null, cjson.null, "yaml.null is cjson.null")
end)

omni.test("structures_anchors_and_merge_keys", { marks = { "cpu" } }, function()
  local doc = assert.not_nil(yaml.load([[
base: &base
  devices: "0"
  max_batch_size: 5
stage:
  <<: *base
  max_batch_size: 1
list: [1, [2, 3], {a: b}]
shared: &s {x: 1}
again: *s
both:
  <<: [{x: 1}, {x: 2, z: 5}]
empty_map: {}
empty_list: []
]]))
  assert.same(doc.stage, { devices = "0", max_batch_size = 1 })
  assert.same(doc.list, { 1, { 2, 3 }, { a = "b" } })
  assert.truthy(rawequal(doc.shared, doc.again), "an alias is the same table")
  assert.same(doc.both, { x = 1, z = 5 })
  assert.equal(getmetatable(doc.empty_map), yaml.mapping_mt)
  assert.is_nil(getmetatable(doc.empty_list))
  -- a recursive alias builds a cycle instead of hanging
  local rec = assert.not_nil(yaml.load("a: &a [1, *a]\n"))
  assert.truthy(rawequal(rec.a[2], rec.a))
end)

omni.test("documents_and_sources", { marks = { "cpu" } }, function(tmp_path)
  assert.equal(yaml.load(""), yaml.null)
  local v, err, code = yaml.load("a: 1\n---\nb: 2\n", "two.yaml")
  assert.is_nil(v)
  assert.equal(code, "EYAML")
  assert.contains(err, "two.yaml: expected one YAML document, found 2")
  assert.same(yaml.load_all("a: 1\n---\nb: 2\n"), { { a = 1 }, { b = 2 } })
  local path = tmp_path .. "/c.yaml"
  local f = assert.not_nil(io.open(path, "w"))
  f:write("x: [1, 2]\n")
  f:close()
  assert.same(yaml.load_file(path), { x = { 1, 2 } })
  f = assert.not_nil(io.open(path, "r"))
  assert.same(yaml.load(f), { x = { 1, 2 } })
  f:close()
  local none, nerr, ncode = yaml.load_file(tmp_path .. "/missing.yaml")
  assert.is_nil(none)
  assert.equal(ncode, "ENOENT")
  assert.contains(nerr, "missing.yaml")
  assert.raises(function() yaml.load(42) end, "string or file expected")
end)

omni.test("errors_name_file_line_and_column", { marks = { "cpu" } }, function()
  local cases = {
    { "a: 1\nb: [1, 2\nc: 3\n", "bad.yaml:3:2: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 4)" },
    { "stage_args:\n  - stage_id: 0\n   runtime: {}\n", "bad.yaml:3:4: " },
    { "a: *nope\n", "bad.yaml:1:4: found undefined alias 'nope'" },
    { "a: &x 1\nb: &x 2\n", "bad.yaml:2:4: found duplicate anchor 'x'" },
    { "? [1]\n: v\n", "bad.yaml:1:3: a mapping key must be a scalar, found a sequence" },
    { "a: !!int abc\n", "bad.yaml:1:4: invalid !!int value 'abc'" },
    { "a: !python/object x\n", "bad.yaml:1:4: unsupported tag '!python/object'" },
    { "a: \"\xff\"\n", "bad.yaml:1:5: invalid leading UTF-8 octet (byte 4)" },
    { "\tkey: value\n", "bad.yaml:1:1: found character that cannot start any token" },
  }
  for _, c in ipairs(cases) do
    local v, err, code = yaml.load(c[1], "bad.yaml")
    assert.is_nil(v, c[1])
    assert.equal(code, "EYAML")
    assert.equal(err:sub(1, #c[2]), c[2])
  end
end)

omni.test("dump_order_style_and_quoting", { marks = { "cpu" } }, function()
  local text = yaml.dump({
    stage_args = { { runtime = { devices = "0" }, stage_id = 0, engine_input_source = {} } },
    async_chunk = true,
    strings = { "true", "1", "", "null", "1.5", "plain", "a: b", "yes", "2024-01-01" },
    nums = { 1, 2.0, 0.1, -0.0, 1e20 },
    empty = setmetatable({}, yaml.mapping_mt),
    none = yaml.null,
  })
  assert.equal(text, [[
async_chunk: true
empty: {}
none: null
nums:
- 1
- 2.0
- 0.1
- -0.0
- 1.0e+20
stage_args:
- stage_id: 0
  engine_input_source: []
  runtime:
    devices: '0'
strings:
- 'true'
- '1'
- ''
- 'null'
- '1.5'
- plain
- 'a: b'
- 'yes'
- '2024-01-01'
]])
end)

omni.test("round_trip", { marks = { "cpu" } }, function()
  local values = {
    { a = 1, b = 2.5, c = "x", d = true, e = yaml.null, f = { 1, "2", { g = "h" } } },
    { [1] = "one", [2] = "two" },
    { [0] = "zero", [10] = "ten", name = "mixed keys" },
    { s = "line one\nline two\n", q = "it's \"quoted\"", u = "ünïcödé ✓", ctl = "a\tb\1c" },
    { big = math.maxinteger, small = math.mininteger, tiny = 5e-324, pi = math.pi },
    { ["stage_id"] = 3, ["weird key: x"] = 1, ["1"] = "string one", [true] = "t" },
    { nested = { { { { 1 } } } }, list_of_nulls = { yaml.null, yaml.null } },
  }
  for i, v in ipairs(values) do
    local text = yaml.dump(v)
    local back = assert.not_nil(yaml.load(text))
    assert.same(back, v, "value " .. i .. ":\n" .. text)
    assert.equal(yaml.dump(back), text, "dump is stable")
  end
  assert.equal(math.type(yaml.load(yaml.dump({ x = 3.0 })).x), "float")
  assert.equal(math.type(yaml.load(yaml.dump({ x = 3 })).x), "integer")
  assert.equal(yaml.load(yaml.dump({ k = "1" })).k, "1")
end)

omni.test("dump_rejects_what_yaml_cannot_hold", { marks = { "cpu" } }, function()
  assert.raises(function() yaml.dump({ a = { b = print } }) end, "cannot write a function at a.b")
  local t = {}
  t.self = t
  assert.raises(function() yaml.dump(t) end, "cycle at self")
  assert.raises(function() yaml.dump({ a = "\xff" }) end, "not valid UTF-8 at a")
  assert.raises(function() yaml.dump({ [print] = 1 }) end, "unsupported key")
  -- a table reached twice without a cycle is written twice
  local shared = { 1 }
  assert.same(yaml.load(yaml.dump({ a = shared, b = shared })), { a = { 1 }, b = { 1 } })
end)

omni.test("dump_file_writes_what_load_file_reads", { marks = { "cpu" } }, function(tmp_path)
  local path = tmp_path .. "/out.yaml"
  assert.truthy(yaml.dump_file(path, { stage_args = { { stage_id = 0 } } }))
  assert.same(yaml.load_file(path), { stage_args = { { stage_id = 0 } } })
  local ok, err, code = yaml.dump_file(tmp_path .. "/no/such/dir/x.yaml", {})
  assert.is_nil(ok)
  assert.equal(code, "EIO")
  assert.contains(err, "no/such/dir")
end)
