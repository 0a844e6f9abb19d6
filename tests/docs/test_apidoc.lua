-- tools/apidoc.lua: docs/reference/api.md is generated from the stdlib's
-- LuaLS annotations and must be current; public functions must annotate
-- every parameter (known gaps in tests/docs/apidoc_allow.txt); the
-- generator itself, on the sample tree in tests/docs/samples/apidoc.
local omni = require "omni"
local assert = require "omni.assert"
local proc = require "omni.proc"
local host = require "omni.core.host"

local ALLOW = "tests/docs/apidoc_allow.txt"
local SAMPLES = "tests/docs/samples/apidoc"

local function apidoc(...)
  local r = assert(proc.run({ host.exe, "lua", "tools/apidoc.lua", ... }, { timeout = 120 }))
  return r.code, r.stdout .. r.stderr
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

omni.test("api_reference_is_current", { marks = { "core_model", "cpu" } }, function()
  local _, out = apidoc("--check", "--allow", ALLOW)
  assert.falsy(out:find("is out of date", 1, true),
    "docs/reference/api.md is stale: run `build/omnilua lua tools/apidoc.lua` and commit it\n" .. out)
end)

omni.test("public_functions_annotate_every_parameter", { marks = { "core_model", "cpu" } }, function()
  local _, out = apidoc("--check", "--allow", ALLOW)
  local problems = {}
  for line in out:gmatch("[^\n]+") do
    if line:find("---@param", 1, true) and not line:find("note:", 1, true) or line:find("allowed gap is fixed", 1, true) then
      problems[#problems + 1] = line
    end
  end
  assert.same(problems, {}, "add the ---@param annotations (or, for a fixed gap, remove it from " .. ALLOW .. ")")
end)

omni.test("generates_sections_from_annotations", { marks = { "core_model", "cpu" } }, function(tmp_path)
  local out_file = tmp_path .. "/api.md"
  local code, out = apidoc("--root", SAMPLES, "--out", out_file)
  assert.equal(code, 0, out)
  local md = read(out_file)
  for _, want in ipairs({
    "- **Test-writer API**: [omni.proc](#omniproc)",
    "## omni.proc", "<sub>`stdlib/omni/proc.lua`</sub>", "A sample public module",
    "#### `proc.spawn(argv, opts?)`", "- **argv** `string[]` — the command",
    "- **opts**? `{timeout?: number, env?: table<string, string>}` — options with spaces",
    "- returns `omni.Sample?` s", "#### class `omni.Sample`", "- **pid** `integer` — the process id",
    "#### `omni.Sample:wait(timeout?)`", "- **proc.DEFAULT** — A constant.",
    "## omni.core.clock", "<sub>`stdlib/omni/meta/clock.lua`</sub>", "#### `clock.now_ns()`",
    "## omni.runner.thing", "*Undocumented.*",
  }) do
    assert.contains(md, want)
  end
  assert.falsy(md:find("_internal", 1, true), "names starting with _ are private")
  assert.falsy(md:find("private_helper", 1, true), "local functions are private")
  local _, again = apidoc("--root", SAMPLES, "--out", tmp_path .. "/api2.md")
  assert.equal(read(tmp_path .. "/api2.md"), md, "the output is deterministic\n" .. again)
end)

omni.test("check_reports_missing_params_and_stale_file", { marks = { "core_model", "cpu" } }, function(tmp_path)
  local out_file = tmp_path .. "/api.md"
  assert.equal((apidoc("--root", SAMPLES, "--out", out_file)), 0)
  local code, out = apidoc("--root", SAMPLES, "--out", out_file, "--check")
  assert.equal(code, 1, out)
  assert.falsy(out:find("out of date", 1, true), out)
  assert.contains(out, "stdlib/omni/proc.lua:25: M.half: no ---@param for 'b'")
  assert.contains(out, "stdlib/omni/proc.lua:32: omni.Sample:undocumented: no ---@param for 'x'")
  assert.contains(out, "stdlib/omni/meta/clock.lua:10: M.sleep: no ---@param for 'seconds'")
  assert.contains(out, "1 parameters of internal modules lack ---@param")
  assert.falsy(out:find("M.spawn", 1, true), "fully annotated functions pass\n" .. out)

  -- with the gaps allowed and the file current: exit 0
  local allow = tmp_path .. "/allow.txt"
  local f = assert(io.open(allow, "w"))
  f:write("# comment\nstdlib/omni/proc.lua M.half b\nstdlib/omni/proc.lua omni.Sample:undocumented x\n",
    "stdlib/omni/meta/clock.lua M.sleep seconds\n")
  f:close()
  code, out = apidoc("--root", SAMPLES, "--out", out_file, "--check", "--allow", allow)
  assert.equal(code, 0, out)
  assert.contains(out, "apidoc: up to date")

  -- a stale file fails
  f = assert(io.open(out_file, "a"))
  f:write("edited by hand\n")
  f:close()
  code, out = apidoc("--root", SAMPLES, "--out", out_file, "--check", "--allow", allow)
  assert.equal(code, 1, out)
  assert.contains(out, "is out of date")

  -- an allowed gap that no longer exists fails too (the list only shrinks)
  f = assert(io.open(allow, "a"))
  f:write("stdlib/omni/proc.lua M.spawn argv\n")
  f:close()
  assert.equal((apidoc("--root", SAMPLES, "--out", out_file)), 0)
  code, out = apidoc("--root", SAMPLES, "--out", out_file, "--check", "--allow", allow)
  assert.equal(code, 1, out)
  assert.contains(out, "allowed gap is fixed, remove it from " .. allow .. ": stdlib/omni/proc.lua M.spawn argv")
end)

omni.test("bad_arguments_are_usage_errors", { marks = { "core_model", "cpu" } }, function()
  local code, out = apidoc("--nope")
  assert.equal(code, 4, out)
  assert.contains(out, "apidoc: unknown argument '--nope'")
end)
