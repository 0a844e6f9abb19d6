-- CI output (GitHub annotations, Markdown summary, Buildkite file), the
-- failure catalog's classification of each pattern, and the rerun policy.
local omni = require "omni"
local assert = require "omni.assert"
local ci = require "omni.ci"
local failures = require "omni.failures"
local rerun = require "omni.rerun"
local cjson = require "cjson"

local function load_samples()
  local f = assert(io.open("tests/ci/samples/records.json"))
  local v = cjson.decode(f:read("a"))
  f:close()
  return v
end

omni.test("catalog_classifies_each_pattern", { marks = { "core_model", "cpu" } }, function()
  local samples = load_samples()
  local seen = {}
  for _, s in ipairs(samples) do
    local e = failures.classify(s.record)
    assert.not_nil(e, "no category for " .. s.expect)
    assert.equal(e.id, s.expect, "record: " .. cjson.encode(s.record))
    seen[s.expect] = true
  end
  for _, e in ipairs(failures.catalog) do assert.truthy(seen[e.id], "no sample for " .. e.id) end
  assert.is_nil(failures.classify({ nodeid = "x", outcome = "passed" }))
  assert.equal(failures.classify({ nodeid = "x", outcome = "failed", message = "1 ~= 2" }).id, "uncategorized")
end)

omni.test("catalog_json_and_doc_match_the_code", { marks = { "core_model", "cpu" } }, function()
  local f = assert(io.open("docs/ci/failures.json"))
  local doc = cjson.decode(f:read("a"))
  f:close()
  local want = cjson.decode(cjson.encode(failures.export()))
  assert.same(doc, want, "regenerate docs/ci/failures.json from omni.failures.export()")
  local md = assert(io.open("docs/ci/failures.md")):read("a")
  for _, e in ipairs(want.categories) do
    assert.contains(md, '<a id="' .. e.anchor .. '"></a>', "anchor " .. e.anchor .. " in failures.md")
  end
end)

omni.test("annotate_sets_category_and_link", { marks = { "core_model", "cpu" } }, function()
  local recs = failures.annotate({ { nodeid = "a", outcome = "failed", cause = "timeout", message = "timed out after 5 s" },
    { nodeid = "b", outcome = "passed" } })
  assert.equal(recs[1].category, "timeout")
  assert.equal(recs[1].category_link, "docs/ci/failures.md#timeout")
  assert.is_nil(recs[2].category)
end)

omni.test("github_annotations", { marks = { "core_model", "cpu" } }, function()
  local rec = { nodeid = "tests/a.lua::t[x,y]", file = "tests/a.lua", line = 12, outcome = "failed",
    message = "50% done\nsecond line", category = "timeout", category_link = "docs/ci/failures.md#timeout" }
  local a = ci.annotation(rec)
  assert.equal(a, "::error file=tests/a.lua,line=12,title=failed%3A tests/a.lua%3A%3At[x%2Cy]::50%25 done%0Asecond line [timeout: docs/ci/failures.md#timeout]")
  assert.match(ci.annotation({ nodeid = "f", outcome = "passed", flaky = true, message = "flaky" }), "^::warning ")
  assert.is_nil(ci.annotation({ nodeid = "p", outcome = "passed" }))
  local lines = {}
  local out = { write = function(_, ...) lines[#lines + 1] = table.concat({ ... }) end }
  local env = { GITHUB_ACTIONS = "true" }
  local w = ci.emit({ rec, { nodeid = "ok", outcome = "passed" } }, nil, { env = function(k) return env[k] end, out = out })
  assert.equal(w.annotations, 1)
  assert.match(lines[1], "^::error file=tests/a.lua,line=12")
  lines = {}
  ci.emit({ rec }, nil, { env = function() return nil end, out = out })
  assert.equal(#lines, 0, "no annotations outside GitHub Actions")
end)

omni.test("markdown_summary_and_buildkite_file", { marks = { "core_model", "cpu" } }, function()
  local d = os.tmpname()
  local recs = { { nodeid = "a::x", outcome = "failed", message = "a | b", category = "timeout", category_link = "l#t" },
    { nodeid = "a::y", outcome = "passed" }, { nodeid = "a::z", outcome = "passed", flaky = true } }
  local env = { GITHUB_STEP_SUMMARY = d }
  local bk = d .. ".bk.md"
  local w = ci.emit(recs, { duration = 1.5 }, { env = function(k) return env[k] end, buildkite_file = bk,
    out = io.open("/dev/null", "w") })
  assert.equal(w.summary, d)
  local md = assert(io.open(d)):read("a")
  assert.contains(md, "**1 failed, 2 passed, 1 flaky** in 1.50s")
  assert.contains(md, "| `a::x` | failed | [timeout](l#t) | a \\| b |")
  assert.equal(assert(io.open(bk)):read("a"), md)
  os.remove(d); os.remove(bk)
end)

omni.test("rerun_policy_marks_flaky", { marks = { "core_model", "cpu" } }, function()
  local p = rerun.new(2)
  local fail = { nodeid = "t", outcome = "failed", message = "boom", duration = 1 }
  assert.truthy(p:should_rerun(fail, 1))
  assert.truthy(p:should_rerun(fail, 2))
  assert.falsy(p:should_rerun(fail, 3))
  assert.falsy(p:should_rerun({ outcome = "passed" }, 1))
  assert.falsy(p:should_rerun({ outcome = "failed", cause = "budget" }, 1))
  assert.falsy(p:should_rerun({ outcome = "error", when = "collect" }, 1))
  assert.falsy(rerun.new(0):should_rerun(fail, 1))
  local r = rerun.combine({ fail, { nodeid = "t", outcome = "passed", duration = 2 } })
  assert.equal(r.outcome, "passed")
  assert.truthy(r.flaky)
  assert.equal(r.reruns, 1)
  assert.equal(r.duration, 3)
  assert.equal(r.rerun_failures[1].message, "boom")
  assert.equal(failures.classify(r).id, "flaky")
  local still = rerun.combine({ fail, fail })
  assert.equal(still.outcome, "failed")
  assert.falsy(still.flaky)
  assert.equal(rerun.count_flaky({ r, still }), 1)
  assert.raises(function() rerun.new(-1) end, "non-negative integer")
end)
