-- Selection (-m, -k, node ids, --lf) and bad command lines, through the CLI.
local omni = require "omni"
local assert = require "omni.assert"

local S = "tests/runner/samples/"

local function names(r)
  local out = {}
  for _, t in ipairs(r.json.tests) do out[#out + 1] = t.name end
  return out
end

omni.test("markexpr_selects_by_marks", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_marks.lua", "-m", "slow and omni" })
  assert.same(names(r), { "slow_omni" })
  assert.equal(r.json.summary.counts.deselected, 4)
  r = omnilua_test({ S .. "sample_marks.lua", "-m", "not (slow or gpu)" })
  assert.same(names(r), { "unmarked_Thing", "with_timeout_mark" })
  -- the folder's marks (tests/runner/conftest.lua) are on every test
  r = omnilua_test({ S .. "sample_marks.lua", "-m", "core_model and cpu and not gpu", "--collect-only" })
  assert.match(r.stdout, "4/5 tests collected %(1 deselected%)")
  r = omnilua_test({ S .. "sample_marks.lua", "-m", "timeout(seconds=5)" })
  assert.same(names(r), { "with_timeout_mark" })
end)

omni.test("keyword_is_a_case_insensitive_substring", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_marks.lua", "-k", "thing or diffusion" })
  assert.same(names(r), { "slow_diffusion", "unmarked_Thing" })
  r = omnilua_test({ S .. "sample_params.lua", "-k", "single and 2.5" })
  assert.same(names(r), { "single[2.5]" })
  r = omnilua_test({ S .. "sample_marks.lua", "-k", "sample_marks and not slow" })
  assert.same(names(r), { "gpu_omni", "unmarked_Thing", "with_timeout_mark" })
end)

omni.test("node_id_selectors", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_params.lua::product", S .. "sample_basic.lua::outer::inner::nested" })
  assert.same(names(r), { "product[1-a]", "product[1-b]", "product[2-a]", "product[2-b]", "nested" })
  r = omnilua_test({ S .. "sample_params.lua::single[2.5]" })
  assert.same(names(r), { "single[2.5]" })
end)

omni.test("bad_expressions_are_usage_errors_naming_the_column", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_marks.lua", "-m", "cpu and" })
  assert.equal(r.code, 4)
  assert.match(r.stderr, "ERROR: Wrong expression passed to '%-m': cpu and: at column 8: expected not OR left parenthesis OR identifier; got end of input")
  r = omnilua_test({ S .. "sample_marks.lua", "-k", "f(x=1)" })
  assert.equal(r.code, 4)
  assert.match(r.stderr, "Keyword expressions do not support call parameters")
end)

omni.test("unknown_flag_and_missing_path", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_one.lua", "--no-such-flag" })
  assert.equal(r.code, 4)
  assert.match(r.stderr, "unrecognized option '%-%-no%-such%-flag'")
  r = omnilua_test({ S .. "no_such_file.lua" })
  assert.equal(r.code, 4)
  assert.match(r.stderr, "file or directory not found")
  r = omnilua_test({ S .. "sample_one.lua", "-n", "zero" })
  assert.equal(r.code, 4)
end)

omni.test("collect_only_lists_node_ids", {}, function(omnilua_test)
  local r = omnilua_test({ S .. "sample_marks.lua", "--collect-only", "-m", "slow" })
  assert.equal(r.code, 0)
  assert.contains(r.stdout, S .. "sample_marks.lua::slow_omni\n")
  assert.contains(r.stdout, S .. "sample_marks.lua::slow_diffusion\n")
  assert.falsy(r.stdout:find("gpu_omni", 1, true))
  r = omnilua_test({ S .. "sample_marks.lua", "--co", "-k", "nomatch" })
  assert.equal(r.code, 5)
end)

omni.test("last_failed_reruns_only_failures", {}, function(omnilua_test, tmp_path)
  local root = require("omni.core.fs").cwd()
  local sample = root .. "/" .. S .. "sample_basic.lua"
  local r = omnilua_test({ sample }, { cwd = tmp_path })
  assert.equal(r.code, 1)
  r = omnilua_test({ sample, "--lf" }, { cwd = tmp_path })
  local got = names(r)
  table.sort(got)
  assert.same(got, { "fails", "raises", "xfail_strict" })
  assert.equal(r.json.summary.counts.deselected, 10)
end)

omni.test("workers_in_parallel_give_the_same_results", {}, function(omnilua_test)
  local one = omnilua_test({ S .. "sample_params.lua", S .. "sample_basic.lua", S .. "sample_marks.lua" })
  local two = omnilua_test({ S .. "sample_params.lua", S .. "sample_basic.lua", S .. "sample_marks.lua", "-n", "2" })
  assert.equal(two.code, one.code)
  assert.equal(two.json.meta.workers, 2)
  for name, t in pairs(one.by_name) do
    assert.equal(two.by_name[name].outcome, t.outcome, name)
  end
end)
