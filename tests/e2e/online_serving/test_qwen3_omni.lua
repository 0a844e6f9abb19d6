-- Qwen3-Omni: online serving against a real engine, written after the spec's example
-- (chapter 2). Runs when an engine is configured: OMNILUA_SERVER (or
-- `omnilua run --server URL`, `-o server=URL`) for a running server, or
-- `vllm` (with vllm-omni) on PATH, or OMNILUA_SERVE_TEMPLATE; otherwise its
-- tests are skipped with a reason saying so. Startup of a real model takes
-- minutes: the server is started once for the whole file. The requests and
-- checks are the suite every real model runs (real_model_suite.lua).
local omni = require "omni"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/online_serving"
local suite = dofile(HERE .. "/real_model_suite.lua")(omni,
  { model = "Qwen/Qwen3-Omni-30B-A3B-Instruct", stage_config = "qwen3_omni_ci.yaml" })

omni.test(suite.case("mix_to_text_audio_001"))
omni.test(suite.case("text_to_text_audio_001"))
