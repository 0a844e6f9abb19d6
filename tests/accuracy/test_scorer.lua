-- omni.accuracy: normalisation, the three scorers, the set and config
-- readers with their errors, and the threshold/baseline verdict with its
-- message (exact numbers on hand-made answers; one run against an
-- in-process dummy).
local omni = require "omni"
local assert = require "omni.assert"
local accuracy = require "omni.accuracy"

local MARKS = { "core_model", "cpu" }

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/accuracy"
local write = dofile(HERE .. "/../helpers.lua").write

omni.test("normalize_like_the_reference", { marks = MARKS }, function()
  assert.equal(accuracy.normalize("  Two plus TWO is Four! "), "2 plus 2 is 4")
  assert.equal(accuracy.normalize("The capital of China is Beijing."), "the capital of china is beijing")
  assert.equal(accuracy.normalize("Someone's ten-tonne\tweight"), "someones 10tonne weight")
end)

omni.test("numbers_keep_signs_decimals_and_words", { marks = MARKS }, function()
  assert.same(accuracy.numbers("-3.5 then 1,200, then seven."), { -3.5, 1200, 7 })
  assert.same(accuracy.numbers("Two plus two is 4."), { 2, 2, 4 })
  assert.same(accuracy.numbers("none here"), {})
end)

omni.test("exact_match", { marks = MARKS }, function()
  local it = { answer = "two plus two is four" }
  assert.equal((accuracy.score(it, "Two plus two is 4.")), 1)
  local s, why = accuracy.score(it, "Two plus two is 5.")
  assert.equal(s, 0)
  assert.equal(why, "not equal")
  assert.equal((accuracy.score({ answer = { "Paris", "The capital is Paris" } }, "the capital is paris!")), 1)
  assert.equal((accuracy.score({ answer = "Paris" }, "Paris, France")), 0)
end)

omni.test("contains_any_key_word", { marks = MARKS }, function()
  local it = { key_words = { "sphere", "Globe" } }
  assert.equal((accuracy.score(it, "A GLOBE, spinning.")), 1)
  local s, why = accuracy.score(it, "a cube")
  assert.equal(s, 0)
  assert.equal(why, "no key word")
  -- key words are normalised too: "Four" finds the digit
  assert.equal((accuracy.score({ key_words = { "Four" } }, "it is 4")), 1)
end)

omni.test("numeric_last_number_within_tolerance", { marks = MARKS }, function()
  assert.equal((accuracy.score({ answer = 4 }, "Two plus two is 4.")), 1)
  assert.equal((accuracy.score({ answer = 4 }, "two plus two is four")), 1)
  local s, why, off = accuracy.score({ answer = 4 }, "4 is wrong, it is 6")
  assert.equal(s, 0)
  assert.equal(why, "got 6 (off by 2)")
  assert.equal(off, 2)
  assert.equal((accuracy.score({ answer = 3.14, tolerance = 0.01 }, "pi is about 3.141")), 1)
  assert.equal((accuracy.score({ answer = 3.14, tolerance = 0.001 }, "pi is about 3.15")), 0)
  assert.equal((accuracy.score({ answer = -2 }, "minus: -2")), 1)
  local s2, why2 = accuracy.score({ answer = 1 }, "no digits")
  assert.equal(s2, 0)
  assert.equal(why2, "no number")
end)

omni.test("failed_request_scores_zero", { marks = MARKS }, function()
  local s, why = accuracy.score({ key_words = { "x" } }, nil, "connection refused (ECONNREFUSED)")
  assert.equal(s, 0)
  assert.equal(why, "request failed: connection refused (ECONNREFUSED)")
end)

-- 20 items, 3 wrong: 0.85, below a 0.9 threshold
local function twenty()
  local items, answers = {}, {}
  for i = 1, 17 do
    items[i] = { id = "ok" .. i, key_words = { "yes" } }
    answers[i] = "Yes."
  end
  items[18] = { id = "near", answer = 10 }
  answers[18] = "it is 11"
  items[19] = { id = "far", answer = 10 }
  answers[19] = "it is 100"
  items[20] = { id = "word", key_words = { "beijing" } }
  answers[20] = "The capital of China is Shanghai."
  return items, answers
end

omni.test("score_is_the_share_correct", { marks = MARKS }, function()
  local items, answers = twenty()
  local r = accuracy.evaluate(items, answers)
  assert.equal(r.correct, 17)
  assert.equal(r.total, 20)
  assert.equal(r.score, 0.85)
  assert.equal(r.items[19].off, 90)
  assert.equal(r.items[1].score, 1)
end)

omni.test("below_threshold_message_shows_score_threshold_worst", { marks = MARKS }, function()
  local items, answers = twenty()
  local r = accuracy.evaluate(items, answers)
  local ok, msg = accuracy.check(r, { name = "eval_small", threshold = 0.9 })
  assert.falsy(ok)
  assert.equal(msg, table.concat({
    "accuracy of eval_small 0.850 (17/20 correct) is below the threshold 0.900",
    "worst items (3 of 3 wrong):",
    "  far: expected the number 10; got 100 (off by 90); answer: \"it is 100\"",
    "  near: expected the number 10; got 11 (off by 1); answer: \"it is 11\"",
    "  word: expected any of {beijing}; no key word; answer: \"The capital of China is Shanghai.\"",
  }, "\n"))
  local raised = assert.raises(function() accuracy.assert(r, { threshold = 0.9 }) end)
  assert.contains(raised, "0.850 (17/20 correct) is below the threshold 0.900")
  assert.contains(raised, "far: expected the number 10")
  -- the same score passes a lower threshold
  assert.truthy(accuracy.check(r, { threshold = 0.85 }))
end)

omni.test("worst_items_capped", { marks = MARKS }, function()
  local items, answers = {}, {}
  for i = 1, 8 do
    items[i] = { id = "w" .. i, answer = 0 }
    answers[i] = tostring(i)
  end
  local _, msg = accuracy.check(accuracy.evaluate(items, answers), { threshold = 0.5 })
  assert.contains(msg, "accuracy 0.000 (0/8 correct)")
  assert.contains(msg, "worst items (5 of 8 wrong):")
  assert.contains(msg, "  w8: expected the number 0; got 8 (off by 8)")
  assert.falsy(msg:find("w3:", 1, true), "only the 5 worst are shown")
end)

omni.test("baseline_with_max_drop", { marks = MARKS }, function()
  local items, answers = twenty()
  answers[18], answers[19] = "10", "10" -- 19/20 = 0.95
  local r = accuracy.evaluate(items, answers)
  assert.equal(r.score, 0.95)
  assert.truthy(accuracy.check(r, { threshold = 0.9, baseline = 1.0, max_drop = 0.05 }))
  local ok, msg = accuracy.check(r, { threshold = 0.9, baseline = 1.0, max_drop = 0.02 })
  assert.falsy(ok)
  assert.contains(msg, "accuracy 0.950 (19/20 correct) is below the baseline 1.000 - max_drop 0.020 = 0.980")
  assert.contains(msg, "word: expected any of {beijing}")
end)

omni.test("load_set_and_errors", { marks = MARKS }, function(tmp_path)
  local good = write(tmp_path .. "/good.jsonl",
    '# comment\n{"prompt": "a", "answer": 1}\n\n{"id": "k", "prompt": "b", "key_words": ["x"]}\n')
  local items = assert.not_nil((accuracy.load(good)))
  assert.equal(#items, 2)
  assert.equal(items[1].id, "0002")
  assert.equal(items[2].id, "k")
  local cases = {
    { '{"prompt": "a"', ":1: not JSON" },
    { '{"answer": "x"}', ":1: needs 'prompt' or 'messages'" },
    { '{"prompt": "a", "match": "fuzzy", "answer": "x"}', ":1: 'match' must be exact, contains or numeric, got fuzzy" },
    { '{"prompt": "a", "answer": [1]}', ":1: 'answer' must be a string or a list of strings" },
    { '{"prompt": "a", "match": "contains", "key_words": []}', ":1: 'key_words' must be a non-empty list" },
    { '{"prompt": "a", "match": "numeric", "answer": "4"}', ":1: 'answer' must be a number for match numeric" },
    { '{"prompt": "a", "answer": 4, "tolerance": -1}', ":1: 'tolerance' must be a non-negative number" },
    { '{"id": 1, "prompt": "a", "answer": "x"}\n{"id": "1", "prompt": "b", "answer": "y"}', ":2: duplicate id '1' (first on line 1)" },
    { "\n# nothing\n", ": no items" },
  }
  for i, c in ipairs(cases) do
    local p = write(string.format("%s/bad%d.jsonl", tmp_path, i), c[1])
    local items2, err = accuracy.load(p)
    assert.is_nil(items2)
    assert.equal(err:sub(1, #p + #c[2]), p .. c[2], c[1])
  end
  local _, err = accuracy.load(tmp_path .. "/missing.jsonl")
  assert.match(err, "^accuracy: cannot read the evaluation set: .*missing%.jsonl")
end)

omni.test("load_config_and_errors", { marks = MARKS }, function(tmp_path)
  local p = write(tmp_path .. "/acc.json", '{"s": {"dataset": "set.jsonl", "threshold": 0.8, "baseline": 0.9}, ' ..
    '"bad": {"dataset": "x", "threshold": 2}, "nothr": {"dataset": "x"}, "nods": {"threshold": 0.5}}')
  local c = assert.not_nil((accuracy.load_config(p, "s")))
  assert.same(c, { name = "s", dataset = tmp_path .. "/set.jsonl", threshold = 0.8, baseline = 0.9, max_drop = 0 })
  assert.equal(select(2, accuracy.load_config(p, "bad")), p .. ": bad.threshold must be a number in [0, 1], got 2")
  assert.equal(select(2, accuracy.load_config(p, "nothr")), p .. ": nothr.threshold must be a number in [0, 1], got nil")
  assert.equal(select(2, accuracy.load_config(p, "nods")), p .. ": nods.dataset must be a file name")
  assert.equal(select(2, accuracy.load_config(p, "zzz")), p .. ": no evaluation 'zzz'")
end)

omni.test("run_against_dummy_below_threshold", { marks = MARKS }, function()
  -- key words the dummy never says: those items fail, the score drops
  local dummy = assert.not_nil((require("omni.core.dummy").start { port = 0, audio = false }))
  local items = {
    { id = "china", prompt = "What is the capital of China?", key_words = { "beijing" } },
    { id = "sum", prompt = "What is 2+2?", answer = 4 },
    { id = "wrong_city", prompt = "What is the capital of France?", key_words = { "lyon" } },
    { id = "wrong_sum", prompt = "What is 2+2?", answer = 5 },
  }
  local r = accuracy.run({ base_url = "http://127.0.0.1:" .. dummy:port() .. "/v1", model = "omni-dummy", items = items })
  local dead = accuracy.run({ base_url = "http://127.0.0.1:1", model = "omni-dummy", items = { items[1] } })
  dummy:stop()
  assert.equal(r.score, 0.5)
  local ok, msg = accuracy.check(r, { threshold = 0.75 })
  assert.falsy(ok)
  assert.equal(msg, table.concat({
    "accuracy 0.500 (2/4 correct) is below the threshold 0.750",
    "worst items (2 of 2 wrong):",
    "  wrong_sum: expected the number 5; got 4 (off by 1); answer: \"Two plus two is 4.\"",
    "  wrong_city: expected any of {lyon}; no key word; answer: \"The capital of France is Paris.\"",
  }, "\n"))
  assert.equal(dead.score, 0)
  assert.match(dead.items[1].why, "^request failed: .*%(ECONNREFUSED%)")
end)
