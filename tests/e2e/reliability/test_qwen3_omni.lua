-- L5 reliability against a real Qwen3-Omni server: the abnormal-input corpus
-- and network flicker through omni.faults.proxy. Skipped unless a server is
-- given: OMNILUA_SERVER=http://HOST:PORT (an OpenAI-compatible omni server,
-- e.g. `vllm serve Qwen/Qwen3-Omni-30B-A3B-Instruct --omni --port 8000
-- --stage-configs-path stage_configs/qwen3_omni_ci.yaml`) and, when its model
-- name differs, OMNILUA_MODEL. Server kills and restarts need a fixture that
-- owns the server; against an external one they are not run.
local omni = require "omni"
local assert = require "omni.assert"
local http = require "omni.http"
local faults = require "omni.faults"
local clock = require "omni.core.clock"

local HERE = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "tests/e2e/reliability")
local corpus = dofile(HERE .. "/abnormal.lua")
local SERVER = os.getenv("OMNILUA_SERVER")
local MODEL = os.getenv("OMNILUA_MODEL") or "Qwen/Qwen3-Omni-30B-A3B-Instruct"
local SKIP = (not SERVER or SERVER == "") and
  "no Qwen3-Omni server: set OMNILUA_SERVER=http://HOST:PORT (and OMNILUA_MODEL if its name is not Qwen/Qwen3-Omni-30B-A3B-Instruct)" or nil

local all = {}
for _, n in ipairs(corpus.REJECTED_BY_DUMMY) do all[#all + 1] = n end
for _, n in ipairs(corpus.ACCEPTED_BY_DUMMY) do all[#all + 1] = n end

omni.test("abnormal_inputs_rejected_server_stays_healthy", {
  marks = { "gpu", "advanced_model" }, timeout = 600, skip = SKIP ~= nil, reason = SKIP, params = { case = all },
}, function(case)
  local r, err = http.request(corpus.request(corpus.get(case), SERVER, MODEL))
  assert.not_nil(r, err)
  assert.truthy(r.status >= 400 and r.status < 500, string.format("%s: HTTP %d (4xx expected)", case, r.status))
  assert.equal(http.request { url = SERVER .. "/health", timeout = 30, api_key = false }.status, 200)
end)

omni.test("network_flicker_every_request_accounted", {
  marks = { "gpu", "advanced_model" }, timeout = 900, skip = SKIP ~= nil, reason = SKIP,
}, function()
  local hostport = SERVER:match("^https?://([^/]+)")
  local proxy <close> = assert.not_nil(faults.proxy { target = hostport })
  local url = "http://127.0.0.1:" .. proxy.port
  local N, reqs = 20, {}
  for i = 1, N do
    reqs[i] = { url = url .. "/v1/chat/completions", method = "POST", timeout = 300, retries = 4, backoff = 1, api_key = false,
      body = { model = MODEL, messages = { { role = "user", content = "Say hello " .. i } }, max_tokens = 16, modalities = { "text" } } }
  end
  proxy:set { blackhole = 2 }
  local res = http.batch(reqs, { concurrency = 4 })
  local ok = 0
  for _, r in ipairs(res) do
    if r.ok and r.status == 200 then ok = ok + 1 else assert.not_nil(r.code or r.status) end
  end
  assert.equal(#res, N)
  assert.truthy(ok >= N - 1, string.format("%d of %d succeeded", ok, N))
  proxy:close()
  clock.sleep(0)
end)
