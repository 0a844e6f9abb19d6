-- Recorded durations through the journal: a run appends one line, readers
-- fold it into durations.json. The values must equal recording each run
-- into the file (the old way: load, drop entries of vanished files, record,
-- save), whether the journal is folded after every run or once for many;
-- a fold cut short, a torn last line, a lock held by a reader, a stale
-- lock and writers appending at the same time must not change them.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local durations = require "omni.durations"
local journal = require "omni.runner.journal"
local fs = require "omni.core.fs"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/runner"
local helpers = dofile(HERE .. "/../helpers.lua")
local read, write = helpers.read, helpers.write

-- The old way, run by run: the file decoded, vanished files' entries
-- dropped (relative to the run's root), the run recorded, the file encoded.
local function old_record(text, records, root)
  local db = text and cjson.decode(text) or durations.new()
  for id, e in pairs(db.tests) do
    local file = e.file or id:match("^(.-)::")
    if file and not fs.stat(file:sub(1, 1) == "/" and file or root .. "/" .. file) then db.tests[id] = nil end
  end
  durations.record(db, records)
  return cjson.encode(db)
end

-- Runs of a suite whose files change: t/test_gone.lua disappears after
-- run 2, t/test_new.lua appears at run 3; skipped, budget-stopped and
-- collection records say nothing; marks change; one file is absolute.
local function runs_for(root)
  local abs = root .. "/abs/test_abs.lua"
  local function rec(id, outcome, d, extra)
    local r = { nodeid = id, outcome = outcome, duration = d, file = id:match("^(.-)::"), marks = { "core_model" } }
    for k, v in pairs(extra or {}) do r[k] = v end
    return r
  end
  local runs = {}
  for run = 1, 6 do
    local recs = {}
    for i = 1, 5 do
      recs[#recs + 1] = rec("t/test_keep.lua::k" .. i, i % 2 == 0 and "failed" or "passed", 0.001 * i * run + 1 / 3)
    end
    if run <= 2 then recs[#recs + 1] = rec("t/test_gone.lua::g", "passed", 0.5 * run) end
    if run >= 3 then recs[#recs + 1] = rec("t/test_new.lua::n[a b]", "xfailed", 2 / 7 * run, { marks = { "slow" } }) end
    recs[#recs + 1] = rec("t/test_keep.lua::skipped", "skipped", 9)
    recs[#recs + 1] = rec("t/test_keep.lua::notrun", "failed", 9, { cause = "budget" })
    recs[#recs + 1] = rec("t/test_keep.lua", "error", 9, { when = "collect" })
    recs[#recs + 1] = rec(abs .. "::x", "passed", 1e-7 * run, { marks = { { name = "timeout", kwargs = { seconds = 1 } } } })
    recs[#recs + 1] = rec("t/test_keep.lua::nofile", "passed", 0.25, { file = run % 2 == 0 and "elsewhere.lua" or nil })
    runs[run] = recs
  end
  return runs
end

local function setup_tree(root)
  assert.truthy(fs.mkdir(root .. "/t"))
  assert.truthy(fs.mkdir(root .. "/abs"))
  for _, f in ipairs({ "t/test_keep.lua", "t/test_gone.lua", "abs/test_abs.lua", "elsewhere.lua" }) do
    write(root .. "/" .. f, "-- x\n")
  end
end

-- Files change before a run starts: as they did for the old way.
local function before_run(root, run)
  if run == 3 then
    os.remove(root .. "/t/test_gone.lua")
    write(root .. "/t/test_new.lua", "-- new\n")
  end
end

local function same_db(got, want)
  local ids = {}
  for id in pairs(want.tests) do ids[#ids + 1] = id end
  table.sort(ids)
  local got_ids = {}
  for id in pairs(got.tests) do got_ids[#got_ids + 1] = id end
  table.sort(got_ids)
  assert.same(got_ids, ids)
  for _, id in ipairs(ids) do
    local g, w = got.tests[id], want.tests[id]
    -- the old file kept 14 digits between runs, the journal keeps all
    assert.near(g.mean, w.mean, 1e-12 * math.abs(w.mean), id)
    assert.near(g.last, w.last, 1e-12 * math.abs(w.last), id)
    assert.equal(g.n, w.n, id)
    assert.equal(g.file, w.file, id)
    assert.same(g.marks, w.marks, id)
  end
end

omni.test("folded_journal_equals_recording_each_run_into_the_file", {}, function(tmp_path)
  for _, mode in ipairs({ "fold_each_run", "fold_once" }) do
    local root = tmp_path .. "/" .. mode
    setup_tree(root)
    local path = root .. "/.omnilua/durations.json"
    local old_text
    for run, recs in ipairs(runs_for(root)) do
      before_run(root, run)
      old_text = old_record(old_text, recs, root)
      assert.truthy(durations.append(path, recs, { root = root }))
      if mode == "fold_once" then assert.is_nil(read(path), "an append does not write durations.json") end
      if mode == "fold_each_run" then same_db(durations.load(path), cjson.decode(old_text)) end
    end
    local db = durations.load(path)
    same_db(db, cjson.decode(old_text))
    assert.is_nil(db.tests[root .. "/t/test_gone.lua::g"])
    assert.is_nil(read(root .. "/.omnilua/durations.journal"), "folded: the journal is gone")
    -- what was written is what is read back
    same_db(durations.load(path), cjson.decode(old_text))
  end
end)

omni.test("a_torn_last_line_is_ignored_and_the_next_append_starts_a_new_line", {}, function(tmp_path)
  local path = tmp_path .. "/.omnilua/durations.json"
  local jpath = journal.paths(path)
  local function one(d) return { { nodeid = "f.lua::t", outcome = "passed", duration = d, file = "f.lua" } } end
  assert.truthy(durations.append(path, one(1)))
  local f = assert(io.open(jpath, "ab"))
  f:write('{"v":1,"prune":false,"r":[["f.lua::t",100') -- a writer killed half way
  f:close()
  local db = durations.load(path) -- folds: the torn line is not a run
  assert.equal(db.tests["f.lua::t"].n, 1)
  assert.equal(db.tests["f.lua::t"].mean, 1)
  -- torn again, then a whole run after it
  assert.truthy(durations.append(path, one(3)))
  f = assert(io.open(jpath, "ab"))
  f:write('{"v":1,"r":[["f.lua::t",5')
  f:close()
  assert.truthy(durations.append(path, one(3)))
  assert.match(read(jpath), '%[%["f.lua::t",5\n{"v":2')
  db = durations.load(path)
  assert.equal(db.tests["f.lua::t"].n, 3)
  assert.near(db.tests["f.lua::t"].mean, 7 / 3, 1e-12)
end)

omni.test("a_fold_cut_short_before_the_journal_went_counts_nothing_twice", {}, function(tmp_path)
  local path = tmp_path .. "/.omnilua/durations.json"
  local jpath = journal.paths(path)
  for d = 1, 3 do
    assert.truthy(durations.append(path, { { nodeid = "a::t", outcome = "passed", duration = d } }))
  end
  local text = read(jpath)
  local db = durations.load(path)
  assert.equal(db.tests["a::t"].n, 3)
  write(jpath, text) -- as if the fold stopped after writing durations.json
  assert.equal(durations.load(path).tests["a::t"].n, 3)
  -- and the same journal with more runs after it: only those count
  write(jpath, text)
  assert.truthy(durations.append(path, { { nodeid = "a::t", outcome = "passed", duration = 4 } }))
  db = durations.load(path)
  assert.equal(db.tests["a::t"].n, 4)
  assert.near(db.tests["a::t"].mean, 2.5, 1e-12)
end)

omni.test("while_another_holds_the_lock_readers_see_file_and_journal_and_a_save_is_safe", {}, function(tmp_path)
  local path = tmp_path .. "/.omnilua/durations.json"
  local _, lock = journal.paths(path)
  assert.truthy(durations.append(path, { { nodeid = "a::t", outcome = "passed", duration = 2 } }))
  durations.load(path)
  assert.truthy(durations.append(path, { { nodeid = "a::t", outcome = "passed", duration = 4 } }))
  local release = assert(journal.lock(path))
  assert.not_nil(fs.stat(lock))
  -- a reader while the lock is held (by a live process: this one)
  local saved = journal.LOCK_WAIT
  journal.LOCK_WAIT = 0.3
  local t0 = require("omni.core.clock").now_ns()
  local ok, db = pcall(durations.load, path)
  local wrote, werr = pcall(durations.append, path, {})
  journal.LOCK_WAIT = saved
  assert.truthy(ok, db)
  assert.truthy((require("omni.core.clock").now_ns() - t0) / 1e9 >= 0.3, "waited for the lock")
  assert.truthy(wrote, werr)
  assert.falsy(werr, "a writer gives up too")
  assert.equal(db.tests["a::t"].n, 2, "file and journal merged")
  -- omnilua merge saves what it loaded: the file then says it holds the journal
  durations.save(db, path)
  release()
  assert.is_nil(fs.stat(lock), "released")
  db = durations.load(path)
  assert.equal(db.tests["a::t"].n, 2, "not counted twice")
  assert.near(db.tests["a::t"].mean, 3, 1e-12)
end)

omni.test("a_stale_lock_of_a_dead_process_is_broken", {}, function(tmp_path)
  local path = tmp_path .. "/.omnilua/durations.json"
  local _, lock = journal.paths(path)
  assert.truthy(fs.mkdir(lock))
  -- pid_max is at most 4194304: this one cannot be alive
  write(lock .. "/owner", "4194305 " .. os.time() .. "\n")
  local t0 = require("omni.core.clock").now_ns()
  assert.truthy(durations.append(path, { { nodeid = "a::t", outcome = "passed", duration = 1 } }))
  assert.truthy((require("omni.core.clock").now_ns() - t0) / 1e9 < 1, "no wait for a dead owner")
  assert.equal(durations.load(path).tests["a::t"].n, 1)
  assert.is_nil(fs.stat(lock))
end)

omni.test("a_journal_past_its_bound_is_folded_by_the_append", {}, function(tmp_path)
  local path = tmp_path .. "/.omnilua/durations.json"
  local jpath = journal.paths(path)
  local saved = durations.JOURNAL_MIN
  local ok, err = pcall(function()
    local recs = { { nodeid = "a::t", outcome = "passed", duration = 1 }, { nodeid = "a::u", outcome = "passed", duration = 2 } }
    assert.truthy(durations.append(path, recs))
    assert.is_nil(read(path))
    -- the bound: exactly two runs' lines (and the header)
    local line = journal.encode(recs, nil, function() return true end)
    durations.JOURNAL_MIN = #read(jpath) + #line
    assert.truthy(durations.append(path, recs))
    assert.is_nil(read(path), "still under the bound")
    assert.truthy(durations.append(path, recs))
    assert.not_nil(read(path), "past the bound: folded")
    assert.is_nil(read(jpath))
    local db = cjson.decode(read(path))
    assert.equal(db.tests["a::u"].n, 3)
  end)
  durations.JOURNAL_MIN = saved
  if not ok then error(err, 0) end
end)

omni.test("writers_appending_at_the_same_time_lose_nothing", { timeout = 120 }, function(tmp_path)
  local proc = require "omni.proc"
  local host = require "omni.core.host"
  local path = tmp_path .. "/.omnilua/durations.json"
  local script = tmp_path .. "/writer.lua"
  -- each writer appends 40 runs of 200 tests (lines of ~10 kB, past
  -- PIPE_BUF); one of them folds in between, with a small bound
  write(script, [[
local durations = require "omni.durations"
local path, who = arg[1], arg[2]
durations.JOURNAL_MIN = 20000
durations.JOURNAL_RATIO = 0
local recs = {}
for i = 1, 200 do recs[i] = { nodeid = "tests/x/test_f.lua::t" .. i, outcome = "passed", duration = 0.5, file = "tests/x/test_f.lua" } end
for r = 1, 40 do
  assert(durations.append(path, recs))
  if who == "1" and r % 10 == 0 then durations.load(path) end
end
]])
  local ps = {}
  for w = 1, 4 do
    ps[w] = assert(proc.spawn({ host.exe, "lua", script, path, tostring(w) }, { stderr = tmp_path .. "/err" .. w }))
  end
  for w = 1, 4 do
    local code = ps[w]:wait(100)
    assert.equal(code, 0, read(tmp_path .. "/err" .. w))
  end
  local db = durations.load(path)
  for i = 1, 200 do assert.equal(db.tests["tests/x/test_f.lua::t" .. i].n, 160) end
end)

omni.test("a_run_appends_one_line_and_readers_fold_it", {}, function(omnilua_test, tmp_path)
  write(tmp_path .. "/test_j.lua", 'local omni = require "omni"\nomni.test("a", function() end)\nomni.test("b", function() end)\n')
  local r = omnilua_test({ "test_j.lua", "-q" }, { cwd = tmp_path })
  assert.equal(r.code, 0)
  r = omnilua_test({ "test_j.lua", "-q" }, { cwd = tmp_path })
  local text = read(tmp_path .. "/.omnilua/durations.journal")
  assert.not_nil(text, "no journal")
  local lines = {}
  for l in text:gmatch("[^\n]+") do lines[#lines + 1] = l end
  assert.equal(#lines, 3, "a header and one line per run")
  local run = cjson.decode(lines[2])
  assert.equal(run.prune, tmp_path, "a test run's line names its root")
  assert.same(run.id, { "test_j.lua::a", "test_j.lua::b" })
  assert.same(run.files, { "test_j.lua" })
  assert.same(run.fi, { 1, 1 })
  assert.is_nil(read(tmp_path .. "/.omnilua/durations.json"))
  -- a shard needs the data: it folds (and records nothing itself)
  r = omnilua_test({ "test_j.lua", "-q", "--shard", "1/2" }, { cwd = tmp_path })
  assert.equal(r.code, 0)
  assert.is_nil(read(tmp_path .. "/.omnilua/durations.journal"))
  local text2 = read(tmp_path .. "/.omnilua/durations.json")
  assert.not_nil(text2, "folded into durations.json")
  local db = cjson.decode(text2)
  assert.equal(db.tests["test_j.lua::a"].n, 2)
  assert.equal(db.tests["test_j.lua::b"].n, 2)
end)
