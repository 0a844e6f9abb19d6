-- L3: accuracy compliance against the dummy model. The shipped evaluation
-- set (eval_small.jsonl) is sent to the server, scored (omni.accuracy:
-- exact / key words / numeric on normalised text) and the score is checked
-- against accuracy.json's threshold and baseline. The dummy's answers are
-- deterministic (docs/reference/dummy-server.md): it scores 20/20.
local omni = require "omni"
local assert = require "omni.assert"
local accuracy = require "omni.accuracy"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local servers = { { model = "omni-dummy", stage_config = "dummy.yaml" } }

omni.test("accuracy_eval_small_001", {
  marks = { "advanced_model" },
  params = { omni_server = omni.indirect(servers) },
  doc = [[
    Accuracy compliance on the small evaluation set: score >= threshold and
    >= baseline - max_drop (accuracy.json).
    Deploy Setting: default yaml
    Input Modal: text, text + image/video/audio
    Output Modal: text
    Input Setting: stream=False
    Datasets: eval_small.jsonl (20 items), 8 concurrent requests ]],
}, function(omni_server)
  local cfg = assert.not_nil((accuracy.load_config(HERE .. "/accuracy.json", "eval_small")))
  local items = assert.not_nil((accuracy.load(cfg.dataset)))
  assert.equal(#items, 20)
  local report = accuracy.run({ base_url = omni_server.base_url, model = omni_server.model, items = items })
  accuracy.assert(report, cfg)
  -- the dummy is the ground truth: every item must be right
  assert.equal(report.correct, 20, "the dummy should answer every item")
end)
