-- omnilua lint: each rule on sample files (stored as *.lua.sample so the
-- runner never collects them; copied to a temporary tests/ tree here).
local omni = require "omni"
local assert = require "omni.assert"
local lint = require "omni.lint"

local function tree()
  local d = os.tmpname()
  os.remove(d)
  local dst = d .. "/tests"
  os.execute("mkdir -p " .. dst .. " && cp -r tests/lint/samples/tree/. " .. dst)
  local p = io.popen("find " .. dst .. " -name '*.sample'")
  for f in p:lines() do os.rename(f, (f:gsub("%.sample$", ""))) end
  p:close()
  return dst
end

local root = tree()

local exe = require("omni.core.host").exe

-- `omnilua ARGS` in folder dir (default: here): its output, stderr too,
-- then a line "rc=N" with its exit status.
local function omnilua(args, dir)
  local p = io.popen((dir and ("cd " .. dir .. " && ") or "") .. exe .. " " .. args .. " 2>&1; echo rc=$?")
  local out = p:read("a")
  p:close()
  return out
end

-- A fresh folder with the given subfolders, and a writer of files in it.
local function scratch(folders)
  local d = os.tmpname()
  os.remove(d)
  for _, f in ipairs(folders) do os.execute("mkdir -p " .. d .. "/" .. f) end
  return d, function(rel, text)
    local f = assert(io.open(d .. "/" .. rel, "w"))
    f:write(text)
    f:close()
  end
end

local function problems(rel)
  local out = {}
  for _, p in ipairs(lint.check_file(root .. "/" .. rel)) do out[#out + 1] = p.line .. " " .. p.code end
  return out, lint.check_file(root .. "/" .. rel)
end

omni.test("clean_e2e_test_passes_and_bodies_never_run", { marks = { "core_model", "cpu" } }, function()
  local _, ps = problems("e2e/online_serving/test_dummy.lua")
  for _, p in ipairs(ps) do assert.truthy(p.line ~= 7, "the good test at line 7 has no problem: " .. p.message) end
end)

omni.test("naming_and_doc_fields", { marks = { "core_model", "cpu" } }, function()
  local got, ps = problems("e2e/online_serving/test_dummy.lua")
  assert.contains(got, "18 OL001")
  assert.contains(got, "18 OL002")
  local doc
  for _, p in ipairs(ps) do if p.code == "OL002" then doc = p.message end end
  assert.contains(doc, "doc misses Input Setting, Datasets")
end)

omni.test("unregistered_and_misplaced_marks", { marks = { "core_model", "cpu" } }, function()
  local got = problems("e2e/online_serving/test_dummy.lua")
  assert.contains(got, "26 OL003")
  assert.contains(got, "26 OL004")
  local l1 = problems("entrypoints/test_stage_utils.lua")
  assert.same(l1, { "3 OL004", "5 OL004", "6 OL004" })
end)

-- A GPU unit test in a component folder (core_model + gpu, as tests/gpu's
-- gpu_real_device) is fine: L1's -m 'core_model and cpu' does not select
-- it, the GPU selection does. Marked cpu too, L1 would run it: reported.
omni.test("gpu_unit_test_in_a_component_folder", { marks = { "core_model", "cpu" } }, function()
  local _, ps = problems("entrypoints/test_stage_utils.lua")
  local by_line = {}
  for _, p in ipairs(ps) do by_line[p.line] = p.message end
  assert.is_nil(by_line[4], "core_model + gpu, no cpu: not selected by L1")
  assert.contains(by_line[5], "marked both cpu and gpu")
  assert.contains(by_line[6], "add the mark core_model")
  local function collected(markexpr, path)
    return omnilua("test " .. path .. " -m '" .. markexpr .. "' --collect-only -q")
  end
  local file = root .. "/entrypoints/test_stage_utils.lua"
  local l1 = collected("core_model and cpu", file)
  assert.contains(l1, "::parses_config\n")
  assert.contains(l1, "::gpu_and_cpu\n", "what lint reports is what L1 would run on CPU")
  assert.falsy(l1:find("::uses_gpu", 1, true), l1)
  assert.contains(collected("core_model and gpu", file), "::uses_gpu\n")
  -- the shipped GPU tests: lint is quiet, L1 leaves gpu_real_device out
  local out = omnilua("lint tests/gpu")
  assert.contains(out, "0 problems in 1 file\nrc=0", out)
  l1 = collected("core_model and cpu", "tests/gpu")
  assert.contains(l1, "tests/gpu/test_gpu.lua::gpu_no_device_reason\n")
  assert.falsy(l1:find("gpu_real_device", 1, true), l1)
  assert.contains(collected("core_model and gpu", "tests/gpu"), "tests/gpu/test_gpu.lua::gpu_real_device\n")
end)

omni.test("expansion_without_advanced_model", { marks = { "core_model", "cpu" } }, function()
  local got = problems("e2e/online_serving/test_dummy_expansion.lua")
  assert.same(got, { "7 OL005" }, "the grouped test inherits advanced_model from its group")
end)

omni.test("file_outside_its_level_folder", { marks = { "core_model", "cpu" } }, function()
  assert.same(problems("entrypoints/test_other_expansion.lua"), { "1 OL006" })
  assert.same(problems("e2e/misc/test_stray.lua"), { "1 OL006" })
  -- L3's accuracy step takes the expansion files of tests/e2e/accuracy
  local out = omnilua("lint tests/e2e/accuracy/test_dummy_expansion.lua")
  assert.contains(out, "0 problems in 1 file\nrc=0", out)
end)

omni.test("unloadable_file", { marks = { "core_model", "cpu" } }, function()
  local got, ps = problems("entrypoints/test_broken.lua")
  assert.same(got, { "4 OL007" })
  assert.contains(ps[1].message, "')' expected")
end)

omni.test("level_of_paths", { marks = { "core_model", "cpu" } }, function()
  assert.equal(lint.level_of("tests/entrypoints/test_a.lua"), "L1")
  assert.equal(lint.level_of("tests/e2e/online_serving/test_qwen.lua"), "L2")
  assert.equal(lint.level_of("tests/e2e/offline_inference/test_qwen_expansion.lua"), "L3")
  assert.equal(lint.level_of("tests/example/online_serving/test_qwen.lua"), "L4doc")
  assert.equal(lint.level_of("tests/e2e/reliability/test_qwen.lua"), "L5")
  assert.is_nil(lint.level_of("src/test_a.lua"))
end)

omni.test("cli_exit_codes", { marks = { "core_model", "cpu" } }, function()
  local function run(args)
    local ok, how, code = os.execute(exe .. " lint " .. args .. " >/dev/null 2>&1")
    return code
  end
  assert.equal(run(root), 1)
  assert.equal(run(root .. "/e2e/online_serving/test_dummy.lua --mark nightly_only") , 1)
  assert.equal(run("/no/such/path"), 4)
  local clean = root .. "/entrypoints/test_clean.lua"
  local f = assert(io.open(clean, "w"))
  f:write('local omni = require "omni"\nomni.test("a", { marks = { "core_model", "cpu" } }, function() end)\n')
  f:close()
  assert.equal(run(clean), 0)
end)

omni.test("conftest_dirs_root_down", { marks = { "core_model", "cpu" } }, function()
  assert.same(lint.conftest_dirs("tests/unit/test_a.lua"), { ".", "tests", "tests/unit" })
  assert.same(lint.conftest_dirs("./tests/test_a.lua"), { ".", "tests" })
  assert.same(lint.conftest_dirs("test_a.lua"), { "." })
  local cwd = require("omni.core.fs").cwd()
  assert.same(lint.conftest_dirs(cwd .. "/tests/x/test_a.lua"), { ".", "tests", "tests/x" })
  assert.same(lint.conftest_dirs("/elsewhere/x/test_a.lua"), { "/elsewhere/x" })
end)

omni.test("marks_registered_in_conftests_count", { marks = { "core_model", "cpu" } }, function()
  local d, write = scratch { "tests/unit", "tests/other", "tests/broken" }
  write("conftest.lua", 'local omni = require "omni"\nomni.register_mark("root_mark", "from the root")\n')
  write("tests/conftest.lua", 'omni.register_mark("suite_mark", "from tests/")\n' ..
    'omni.fixture("server", { scope = "session" }, function() error("never runs") end)\n')
  write("tests/unit/conftest.lua", 'require("omni.markers").register("unit_mark", "direct")\n')
  write("tests/unit/test_a.lua", 'local omni = require "omni"\n' ..
    'omni.test("a", { marks = { "core_model", "cpu", "root_mark", "suite_mark", "unit_mark", "other_mark" } }, function() end)\n')
  write("tests/unit/test_c.lua", 'local omni = require "omni"\n' ..
    'omni.test("c", { marks = { "core_model", "cpu", "unit_mark" } }, function() end)\n')
  write("tests/other/test_b.lua", 'local omni = require "omni"\n' ..
    'omni.test("b", { marks = { "core_model", "cpu", "suite_mark", "unit_mark" } }, function() end)\n')
  write("tests/broken/conftest.lua", 'omni.register_mark("x", "y")\nerror("conftest blew up")\n')
  write("tests/broken/test_d.lua", 'local omni = require "omni"\nomni.test("d", { marks = { "core_model", "cpu" } }, function() end)\n')
  write("tests/broken/test_e.lua", 'local omni = require "omni"\nomni.test("e", { marks = { "core_model", "cpu" } }, function() end)\n')
  local out = omnilua("lint tests", d)
  local lines = {}
  for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  assert.same(lines, {
    "tests/broken/conftest.lua:2: OL007 error while loading: conftest blew up",
    "tests/other/test_b.lua:2: OL003 test 'b': mark 'unit_mark' is not registered (omnilua markers lists them; register it with omni.register_mark)",
    "tests/unit/test_a.lua:2: OL003 test 'a': mark 'other_mark' is not registered (omnilua markers lists them; register it with omni.register_mark)",
    "3 problems in 5 files",
    "rc=1",
  }, out)
end)

-- omni.marks (pytestmark) in a conftest.lua, at a file's top level and in
-- a group: lint adds them to each test's marks as the runner does, and
-- reports an unregistered one at the omni.marks call (a conftest's once).
omni.test("folder_file_and_group_marks_count", { marks = { "core_model", "cpu" } }, function()
  local d, write = scratch { "tests/unit/deep", "tests/half", "tests/bad", "tests/e2e/online_serving" }
  write("tests/unit/conftest.lua", 'require("omni").marks{ "core_model" }\n')
  write("tests/unit/deep/conftest.lua", 'local omni = require "omni"\nomni.marks{ "cpu" }\n')
  write("tests/unit/deep/test_ok.lua", 'local omni = require "omni"\nomni.test("ok", function() end)\n')
  write("tests/unit/test_filemarks.lua", 'local omni = require "omni"\n' ..
    'omni.test("before_the_call", function() end)\n' ..
    'omni.marks{ "cpu" }\n')
  write("tests/half/test_group.lua", 'local omni = require "omni"\n' ..
    'omni.group("g", function()\n  omni.marks{ "core_model", "cpu" }\n  omni.test("in_group", function() end)\nend)\n' ..
    'omni.test("outside", { marks = { "core_model" } }, function() end)\n' ..
    'omni.marks{ "unknown_file_mark" }\n')
  write("tests/bad/conftest.lua", 'local omni = require "omni"\n\nomni.marks{ "core_model", "cpu", "unknown_folder_mark" }\n')
  write("tests/bad/test_x.lua", 'require("omni").test("x", function() end)\n')
  write("tests/bad/test_y.lua", 'require("omni").test("y", function() end)\n')
  write("tests/e2e/conftest.lua", 'require("omni").marks{ "core_model" }\n')
  write("tests/e2e/online_serving/test_dummy.lua", 'require("omni").test("chat_001", { doc = ' ..
    '"Deploy Setting: d\\nInput Modal: t\\nOutput Modal: t\\nInput Setting: s\\nDatasets: x" }, function() end)\n')
  local out = omnilua("lint tests", d)
  local lines = {}
  for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
  assert.same(lines, {
    "tests/bad/conftest.lua:3: OL003 omni.marks: mark 'unknown_folder_mark' is not registered (omnilua markers lists them; register it with omni.register_mark)",
    "tests/half/test_group.lua:6: OL004 test 'outside': L1 runs -m 'core_model and cpu'; add the marks core_model and cpu",
    "tests/half/test_group.lua:7: OL003 omni.marks: mark 'unknown_file_mark' is not registered (omnilua markers lists them; register it with omni.register_mark)",
    "3 problems in 6 files",
    "rc=1",
  }, out)
  -- the runner selects what lint found marked for L1
  out = omnilua("test tests/unit tests/e2e -m 'core_model and cpu' --collect-only -q", d)
  assert.contains(out, "tests/unit/deep/test_ok.lua::ok\n")
  assert.contains(out, "tests/unit/test_filemarks.lua::before_the_call\n")
  assert.contains(out, "2/3 tests collected (1 deselected)")
end)
