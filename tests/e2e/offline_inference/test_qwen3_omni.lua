-- Qwen3-Omni: offline inference with a real engine. Runs when
-- OMNILUA_OFFLINE_TEMPLATE names a batch command (the contract is in
-- docs/reference/server-fixture.md: prompts JSONL in, outputs.jsonl out);
-- otherwise its tests are skipped with a reason saying so. The prompts and
-- checks are the suite every real model runs (real_model_suite.lua).
local omni = require "omni"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/offline_inference"
local suite = dofile(HERE .. "/real_model_suite.lua")(omni,
  { model = "Qwen/Qwen3-Omni-30B-A3B-Instruct", stage_config = "qwen3_omni_ci.yaml" })

omni.test(suite.case("mix_to_text_audio_001"))
