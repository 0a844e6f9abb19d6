-- Folder- and file-level marks (pytest's pytestmark): omni.marks{...} in a
-- conftest.lua marks every test at and below its folder, at a test file's
-- top level every test of the file, inside a group the group's tests. The
-- suites are written into tmp_path and run with it as the current folder,
-- so only their own conftest.lua files apply.
local omni = require "omni"
local assert = require "omni.assert"

local function write_tree(root, files)
  local fs = require "omni.core.fs"
  for path, text in pairs(files) do
    local dir = (root .. "/" .. path):match("^(.*)/[^/]*$")
    assert.truthy(fs.mkdir(dir))
    local f = assert(io.open(root .. "/" .. path, "w"))
    f:write(text)
    f:close()
  end
end

local TREE = {
  ["suite/conftest.lua"] = [[
local omni = require "omni"
omni.marks{ "core_model", "folder_mark" }         -- used before it is registered: fine
omni.register_mark("folder_mark", "registered by the suite's conftest")
]],
  ["suite/unit/conftest.lua"] = 'require("omni").marks{ "cpu" }\n',
  ["suite/unit/deep/test_deep.lua"] = [[
local omni = require "omni"
omni.test("plain", function() end)
omni.test("own_marks", { marks = { "cpu", "slow" } }, function() end)
omni.marks{ "benchmark" }                          -- anywhere in the file: every test
omni.group("grp", { marks = { "omni" } }, function()
  omni.marks{ "diffusion" }
  omni.test("grouped", { params = { n = { 1, omni.param(2, { marks = { "gpu" } }) } } }, function(n) end)
end)
]],
  ["suite/e2e/test_e2e.lua"] = 'require("omni").test("e2e_only", function() end)\n',
  ["suite/test_top.lua"] = [[
require("omni").marks{ "advanced_model" }
require("omni").test("top", function() end)
]],
}

local function marks_of(r)
  local out = {}
  for _, t in ipairs(r.json.tests) do out[t.name] = table.concat(t.marks, ",") end
  return out
end

omni.test("conftest_file_group_test_and_param_marks_add_up_outer_first", {}, function(omnilua_test, tmp_path)
  write_tree(tmp_path, TREE)
  local r = omnilua_test({ "suite" }, { cwd = tmp_path, env = { OMNILUA_GPU = "1" } })
  assert.equal(r.code, 0, r.stdout .. r.stderr)
  assert.same(marks_of(r), {
    plain = "core_model,folder_mark,cpu,benchmark",
    own_marks = "core_model,folder_mark,cpu,benchmark,slow", -- cpu given twice shows once
    ["grouped[1]"] = "core_model,folder_mark,cpu,benchmark,omni,diffusion",
    ["grouped[2]"] = "core_model,folder_mark,cpu,benchmark,omni,diffusion,gpu",
    e2e_only = "core_model,folder_mark",
    top = "core_model,folder_mark,advanced_model",
  })
end)

omni.test("m_and_k_see_folder_marks", {}, function(omnilua_test, tmp_path)
  write_tree(tmp_path, TREE)
  local r = omnilua_test({ "suite", "-m", "core_model and cpu", "--collect-only", "-q" }, { cwd = tmp_path })
  assert.equal(r.code, 0, r.stdout .. r.stderr)
  local ids = {}
  for line in r.stdout:gmatch("[^\n]+") do if line:find("::", 1, true) then ids[#ids + 1] = line end end
  assert.same(ids, {
    "suite/unit/deep/test_deep.lua::plain",
    "suite/unit/deep/test_deep.lua::own_marks",
    "suite/unit/deep/test_deep.lua::grp::grouped[1]",
    "suite/unit/deep/test_deep.lua::grp::grouped[2]",
  })
  assert.match(r.stdout, "4/6 tests collected %(2 deselected%)")
  r = omnilua_test({ "suite", "-m", "not cpu" }, { cwd = tmp_path })
  assert.equal(r.code, 0)
  assert.equal(#r.json.tests, 2)
  assert.not_nil(r.by_name.e2e_only)
  assert.not_nil(r.by_name.top)
  -- -k matches mark names too, folder ones included
  r = omnilua_test({ "suite", "-k", "benchmark and not omni" }, { cwd = tmp_path })
  assert.equal(r.code, 0)
  assert.same({ r.json.tests[1].name, r.json.tests[2].name, r.json.tests[3] }, { "plain", "own_marks", nil })
end)

omni.test("recorded_durations_carry_folder_marks", {}, function(omnilua_test, tmp_path)
  write_tree(tmp_path, TREE)
  local r = omnilua_test({ "suite/unit" }, { cwd = tmp_path, env = { OMNILUA_GPU = "1" } })
  assert.equal(r.code, 0, r.stdout)
  local db = require("omni.durations").load(tmp_path .. "/.omnilua/durations.json")
  local e = db.tests["suite/unit/deep/test_deep.lua::plain"]
  assert.same(e.marks, { "core_model", "folder_mark", "cpu", "benchmark" })
end)

omni.test("unregistered_folder_mark_is_a_collection_error_at_the_call", {}, function(omnilua_test, tmp_path)
  write_tree(tmp_path, {
    ["bad/conftest.lua"] = 'local omni = require "omni"\n\nomni.marks{ "cpu", "no_such_mark" }\n',
    ["bad/test_x.lua"] = 'require("omni").test("x", function() end)\n',
    ["badfile/test_y.lua"] = 'local omni = require "omni"\nomni.marks{ "nope_mark" }\nomni.test("y", function() end)\n',
  })
  local r = omnilua_test({ "bad" }, { cwd = tmp_path })
  assert.equal(r.code, 2)
  assert.equal(r.json.tests[1].when, "collect")
  assert.match(r.json.tests[1].message, "bad/conftest.lua:3: test 'x' uses unregistered mark 'no_such_mark'")
  r = omnilua_test({ "badfile" }, { cwd = tmp_path })
  assert.equal(r.code, 2)
  assert.match(r.json.tests[1].message, "badfile/test_y.lua:2: test 'y' uses unregistered mark 'nope_mark'")
end)

omni.test("bad_omni_marks_calls_raise", {}, function(omnilua_test, tmp_path)
  assert.raises(function() omni.marks{ "cpu" } end, "omni.marks may only be called while omnilua loads")
  write_tree(tmp_path, {
    ["t/test_str.lua"] = 'local omni = require "omni"\nomni.marks("cpu")\nomni.test("s", function() end)\n',
    ["u/test_num.lua"] = 'local omni = require "omni"\nomni.marks{ 42 }\nomni.test("s", function() end)\n',
  })
  local r = omnilua_test({ "t" }, { cwd = tmp_path })
  assert.equal(r.code, 2)
  assert.match(r.json.tests[1].message, "t/test_str.lua:2: omni.marks: expects a list of marks")
  r = omnilua_test({ "u" }, { cwd = tmp_path })
  assert.equal(r.code, 2)
  assert.match(r.json.tests[1].message, "u/test_num.lua:2: omni.marks: mark #1 must be a name")
end)

omni.test("file_level_timeout_mark_applies_and_the_test_option_wins", {}, function(omnilua_test, tmp_path)
  write_tree(tmp_path, {
    ["to/test_timeout.lua"] = [[
local omni = require "omni"
omni.marks{ { name = "timeout", seconds = 1 } }
omni.test("slow_one", function() require("omni.core.clock").sleep(5) end)
omni.test("own_limit", { timeout = 30 }, function() require("omni.core.clock").sleep(1.5) end)
]],
  })
  local r = omnilua_test({ "to" }, { cwd = tmp_path })
  assert.equal(r.code, 1, r.stdout)
  assert.equal(r.by_name.slow_one.outcome, "failed")
  assert.match(r.by_name.slow_one.message, "timed out after 1")
  assert.equal(r.by_name.own_limit.outcome, "passed")
end)
