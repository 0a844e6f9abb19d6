-- Result files write numbers as Python does (json.dumps: repr of each float),
-- so a result of omnilua bench diffs cleanly against the reference's. Lists
-- of numbers are written whole (omni.core.load.json_numbers), other numbers
-- one at a time (ordered_json.number): both must agree, and with Python.
local omni = require "omni"
local assert = require "omni.assert"
local oj = require "omni.bench.ordered_json"
local load = require "omni.core.load"
local files = require "omni.files"

-- times from ns clocks in s and ms, arbitrary floats of every size, thirds
local function sample(n)
  math.randomseed(7)
  local l = {}
  for i = 1, n do
    local r = i % 6
    if r == 0 then l[i] = math.random(1, 2000000000) / 1e9
    elseif r == 1 then l[i] = math.random(1, 2000000000) / 1e6
    elseif r == 2 then l[i] = math.random() * 10 ^ math.random(-12, 20)
    elseif r == 3 then l[i] = math.random(1, 1000) / 3
    elseif r == 4 then l[i] = -math.random() / 7
    else l[i] = math.random(1, 100000) / 1e3 end
  end
  l[#l + 1] = 5e-324
  l[#l + 1] = 2.0
  l[#l + 1] = 7 -- an integer stays one
  return l
end

omni.test("c_and_lua_write_the_same_numbers", function()
  local l = sample(20000)
  local parts = {}
  for i, v in ipairs(l) do parts[i] = oj.number(v) end
  assert.equal(load.json_numbers(l), "[" .. table.concat(parts, ", ") .. "]")
  assert.equal(oj.encode({ 0.1, 2.0, 1e16, 1e-5 }), "[0.1, 2.0, 1e+16, 1e-05]")
  assert.is_nil(load.json_numbers({ 1, "x" }), "a list that is not all numbers is left to Lua")
  assert.equal(oj.encode({ 1, "x" }), '[1, "x"]')
  assert.equal(load.json_numbers({}), "[]")
end)

local python = io.open("/usr/bin/python3")
if python then python:close() end

omni.test("numbers_as_python_json_dumps_writes_them", {
  skipif = { not python, "no /usr/bin/python3" },
}, function(tmp_path)
  local path = assert(files.write(tmp_path .. "/n.json", oj.encode(sample(20000))) and tmp_path .. "/n.json")
  local p = io.popen("/usr/bin/python3 -c \"import json,sys; s=open(sys.argv[1]).read(); "
    .. "print('same' if json.dumps(json.loads(s)) == s else 'differ')\" " .. path .. " 2>&1")
  local out = p:read("a")
  p:close()
  assert.equal(out, "same\n")
end)
