-- The failure catalog (omni.failures) against real failure messages. Most
-- samples are made here by the code that raises them: omni.assert, the
-- openai client's verdict, omni.accuracy, omni.http against a stalled or
-- closing dummy server, omni.faults, omni.server; one run of the runner
-- gives its own (a timeout, a crash by signal, a collection error). The
-- rest are copied from the code or tool that prints them (named at each).
-- Every pattern must match a sample of its own category, every sample must
-- land in its category, and near misses (the words without the failure,
-- such as the L3 step title "accuracy (budget left 30m)") must not.
local omni = require "omni"
local assert = require "omni.assert"
local failures = require "omni.failures"
local exec = require "omni.runner.exec"
local cjson = require "cjson"

-- A record as the runner writes it for a test body that raised.
local function raised(fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then error("the sample did not fail", 2) end
  local message, longrepr = exec.describe(err)
  return { outcome = "failed", when = "call", message = message, longrepr = longrepr }
end

-- A record with only a message (as read back from JUnit: no cause).
local function msg(text, extra)
  local r = { outcome = "failed", when = "call", message = text }
  for k, v in pairs(extra or {}) do r[k] = v end
  return r
end

-- A failing omnilua call (nil, err[, code]) as a test that asserted it.
local function returned(fn)
  local ok, v, err = pcall(fn)
  if not ok then error(v, 2) end
  if v ~= nil then error("the sample call succeeded", 2) end
  return msg(tostring(err))
end

-- Samples made by the code under the catalog, lazily (some start servers).
local function live_samples()
  local http = require "omni.http"
  local dummy = require "omni.core.dummy"
  local faults = require "omni.faults"
  local server = require "omni.server"
  local accuracy = require "omni.accuracy"
  local openai = require "omni.openai"
  local checks = require "omni.openai.checks"
  local verdict = require "omni.openai.verdict"
  local closed = "127.0.0.1:" .. server.free_port()
  local chat = { model = "dummy", messages = { { role = "user", content = "hi" } } }
  local stall <close> = assert(dummy.start { port = 0, model = "dummy", audio = false, fault = "stall_after=0" })
  local stall2 <close> = assert(dummy.start { port = 0, model = "dummy", audio = false, fault = "stall_after=2" })
  local drop <close> = assert(dummy.start { port = 0, model = "dummy", audio = false, fault = "drop_after=0" })
  local proxy <close> = assert(faults.proxy { target = closed })
  local function url(s) return "http://127.0.0.1:" .. s:port() .. "/v1/chat/completions" end
  local function client(base) return openai.new { base_url = base, run_level = "core_model" } end
  local log_dir = os.tmpname()
  os.remove(log_dir)
  os.execute("mkdir -p " .. log_dir)
  local key_resp = { index = 1, problems = {}, failures = {}, finish_reasons = { "stop" }, notes = {},
    text = "The capital of China is Shanghai." }
  checks.chat(key_resp, { modalities = { "text" }, key_words = { A = { "beijing" } } }, "advanced_model")
  local report = accuracy.evaluate({ { id = "q1", answer = "4" }, { id = "q2", answer = "Paris" } }, { "5", "Paris" })
  local s = {
    { "port_in_use", returned(function() return faults.proxy { target = closed, listen = "127.0.0.1:" .. proxy.port } end) },
    { "port_in_use", returned(function() return dummy.start { port = stall:port() } end) },
    { "server_start", returned(function()
      return server.start({ model = "m", template = { "sh", "-c", "echo boom; exit 3" } }, { log_dir = log_dir })
    end) },
    -- its last check says "cannot connect": the start failure wins over the connection
    { "server_start", returned(function()
      return server.start({ model = "m", template = { "sleep", "5" }, startup_timeout = 0.2 }, { log_dir = log_dir })
    end) },
    { "timeout", returned(function() return http.request { url = url(stall), method = "POST", body = chat, timeout = 0.2 } end) },
    { "timeout", returned(function()
      return http.stream { url = url(stall2), method = "POST", idle_timeout = 0.2, timeout = 5,
        body = { model = "dummy", stream = true, messages = chat.messages } }
    end) },
    { "connection", raised(function() client("http://" .. closed .. "/v1"):send_request(chat) end) },
    { "connection", raised(function() client("http://127.0.0.1:" .. drop:port() .. "/v1"):send_request(chat) end) },
    { "connection", returned(function() return http.request { url = url(drop), method = "POST", body = chat } end) },
    { "connection", returned(function() return http.request { url = "http://127.0.0.1:" .. proxy.port .. "/", timeout = 2 } end) },
    { "keyword_mismatch", raised(verdict.conclude, { key_resp }, { who = "openai_client", kind = "chat", model = "m",
      level = "advanced_model", raise = true }) },
    { "keyword_mismatch", raised(accuracy.assert, report, { name = "eval_small", threshold = 0.9 }) },
  }
  os.execute("rm -rf " .. log_dir)
  return s
end

local function assertion_samples()
  local a = assert
  return {
    raised(a.equal, 1, 2), raised(a.equal, "a", "b", "answer differs"), raised(a.same, { x = 1 }, { x = 2 }),
    raised(a.near, 1.5, 1, 0.1), raised(a.match, "abc", "^x"), raised(a.contains, "abc", "x"),
    raised(a.contains, { 1 }, 2), raised(a.raises, function() end), raised(a.raises, error, "never"),
    raised(a.type, 1, "string"), raised(a.truthy, false), raised(a.falsy, true), raised(a.is_nil, 1),
    raised(a.not_nil, nil), raised(a, false), raised(a, nil, "the answer has no choices"),
    raised(function() _G.assert(false) end),
    -- the failure of tests/docs/test_guide.lua that was once called an accuracy mismatch
    raised(a.is_nil, "== L3 step 3/3: accuracy (budget left 30m)",
      "line not in the output: == L3 step 3/3: accuracy (budget left 30m)"),
    -- pytest, read back from its JUnit XML
    require("omni.junit_read").parse('<testsuite><testcase classname="tests.test_x" name="test_a">' ..
      '<failure message="assert 1 == 2">def test_a():\n&gt;       assert 1 == 2\nE       assert 1 == 2\n\n' ..
      'tests/test_x.py:2: AssertionError</failure></testcase></testsuite>', "x.xml")[1],
  }
end

-- Copied from what prints them (the source named at each).
local COPIED = {
  budget_exhausted = {
    msg("not run: run budget of 15m exhausted"),                                -- runner
    msg("stopped: run budget of 15m exhausted (worker killed after 5 s grace)"), -- runner
    msg("stopped: level budget exhausted after 12m"),                           -- levels
    msg("not run: the level budget was exhausted before this step"),            -- levels
    msg("omnilua test did not stop at the level budget and was killed"),        -- levels
    msg("not run: the run budget ran out"),                                     -- JUnit report
  },
  cuda_oom = {
    msg("vllm server for m (http://127.0.0.1:8000) exited with code 1 during startup (after 40.1 s)", {
      longrepr = "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 79.11 GiB" }),
    msg("worker failed", { stderr = "torch.cuda.OutOfMemoryError: Allocation on device" }),
    msg("RuntimeError: CUDA error: out of memory"),
    msg("cannot hold 1099511627776 bytes on GPU 0: cudaMalloc: out of memory (error 2)"), -- omni.gpu hog
    msg("cudaErrorMemoryAllocation: out of memory"),
    msg("RuntimeError: CUDA error: CUBLAS_STATUS_ALLOC_FAILED when calling `cublasCreate(handle)`"),
    msg("torch.OutOfMemoryError: HIP out of memory. Tried to allocate 1.00 GiB"),
    msg("ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization`"), -- vLLM
  },
  host_oom = {
    msg("out of memory: worker memory limit 512 MiB"),                          -- runner
    msg("tests/x/test_a.lua:3: not enough memory"),                             -- Lua
    msg("cannot sample: out of host memory"),                                   -- omni.gpu
    msg("server died", { stderr = "Out of memory: Killed process 4242 (python3) total-vm:81234kB" }), -- kernel
    msg("server died", { stderr = "python3 invoked oom-killer: gfp_mask=0x100cca" }),
    msg("MemoryError"),                                                         -- Python
    msg("OSError: [Errno 12] Cannot allocate memory"),
  },
  port_in_use = {
    msg("vllm server for m (http://127.0.0.1:8000) cannot start: port 8000 is taken by another process"), -- omni.server
    msg("Error: listen EADDRINUSE: address already in use :::8000"),
    msg("omni.server.free_port: no free port found in 200 tries"),
  },
  server_start = {
    msg("vllm server for m (http://127.0.0.1:8000) serves [other], not m"),     -- omni.server
    msg("stage config for Qwen/Qwen2.5-Omni-7B: configs/x.yaml: cannot open"),  -- omni.server
    msg("server did not start: the server exited before it was ready"),         -- bench nightly
  },
  timeout = {
    msg("timed out after 300 s"),                                               -- runner (the run below too)
    msg("check 'status' failed (TIMEOUT): GET http://127.0.0.1:8000/health: connect timeout after 10000 ms"), -- omni.http
    msg("omni_runner: 2 of 2 offline requests failed\nrequest 1 of 2: check 'timeout' failed: vllm-offline did not finish within 600 s"), -- omni.offline
    msg("requests.exceptions.ReadTimeout: HTTPConnectionPool(host='127.0.0.1', port=8000): Read timed out. (read timeout=30)"),
  },
  connection = {
    msg("GET http://127.0.0.1:8000/v1/models: connection reset: Broken pipe"),  -- omni.http
    msg("http.client.RemoteDisconnected: Remote end closed connection without response"), -- Python
    msg("curl: (52) Empty reply from server"),
  },
  crash_signal = {
    msg("worker crashed with signal 6 (Aborted)"),                              -- runner (the run below too)
    msg("server died", { stderr = "Fatal Python error: Segmentation fault" }),
    msg("server died", { stderr = "sh: line 1: 4242 Aborted (core dumped) ./serve" }),
    msg("*** SIGSEGV received at time=1712345678 on cpu 3 ***"),
    msg("terminate called after throwing an instance; SIGABRT"),
    msg("Bus error (SIGBUS)"), msg("Illegal instruction (SIGILL)"),
  },
  collection_error = {
    msg("conftest failed to load: tests/x/conftest.lua:3: unexpected symbol near '='"), -- collector
    msg("ERROR collecting tests/test_x.py"),                                    -- pytest
    msg("collection failure"),                                                  -- pytest's JUnit
  },
  keyword_mismatch = {},
  perf_regression = {
    msg("regression: mean_ttft_ms = 250.3 (baseline <= 100); completed = 98 (baseline == 100)"), -- bench nightly
  },
}

-- Words of the catalog without the failure: none may classify as the
-- category it resembles (`as`, uncategorized unless said).
local NEAR_MISSES = {
  { "line not in the output: == L3 step 3/3: accuracy (budget left 30m)", not_ = "keyword_mismatch" },
  { "== L1 step 1/1: unit tests (budget left 15m)", not_ = "budget_exhausted" },
  { "forecast: the selection needs about 20m but the budget is 15m", not_ = "budget_exhausted" },
  { "accuracy.json: eval_small.threshold must be a number in [0, 1], got 2", not_ = "keyword_mismatch" },
  { "send_request: config.key_words must be a table of word lists", not_ = "keyword_mismatch" },
  { "expected one of the keywords in the answer", not_ = "keyword_mismatch" },
  { "baseline.json: baseline for mean_ttft_ms must be a number", not_ = "perf_regression" },
  { "regression test for issue 12: expected 3 choices, got 2", not_ = "perf_regression" },
  { "bad option 'timeout' (number expected)", not_ = "timeout" },
  { "the per-test timeout of 5 s is too small for this model", not_ = "timeout" },
  { "connection pool keeps 4 connections", not_ = "connection" },
  { "port 8000 is free", not_ = "port_in_use" },
  { "worker memory limit is 2 GiB", not_ = "host_oom" },
  { "signal handler installed for SIGTERM", not_ = "crash_signal" },
  { "syntax error in the stage config", not_ = "collection_error" },
  { "the server failed to start a stream", not_ = "server_start" },
  { "expected 3 choices, got 2" },
  -- code and file names in longrepr's source line and traceback are not the failure
  { "tests/e2e/accuracy/test_x.lua:5: attempt to index a nil value (local 'resp')", not_ = "timeout",
    longrepr = ">   local resp = client:send_request { timeout = 'timed out after 5 s' }\n" ..
      "E   tests/e2e/accuracy/test_x.lua:5: attempt to index a nil value (local 'resp')\n\n" ..
      "tests/e2e/accuracy/test_x.lua:5\ntraceback:\n\t[string \"timed out after 5 s\"]:1: in function 'connection_refused'" },
  -- the guide's failure as the runner records it is a failed assertion
  { "line not in the output: == L3 step 3/3: accuracy (budget left 30m)", as = "assertion", not_ = "keyword_mismatch",
    longrepr = "E   line not in the output: == L3 step 3/3: accuracy (budget left 30m)\nE   Expected value to be nil.\n" ..
      "E   Passed in:\nE   (string) \"== L3 step 3/3: accuracy (budget left 30m)\"" },
}

-- What the catalog's patterns see of a record (as omni.failures does).
local function text_of(r)
  local long = (r.longrepr or ""):gsub("\ntraceback:\n.*$", "")
  long = ("\n" .. long):gsub("\n>[^\n]*", "")
  return table.concat({ r.message or "", long, r.stderr or "" }, "\n"):lower()
end

local function all_samples()
  local out = {}
  for id, list in pairs(COPIED) do
    for _, r in ipairs(list) do out[#out + 1] = { id, r } end
  end
  for _, s in ipairs(live_samples()) do out[#out + 1] = s end
  for _, r in ipairs(assertion_samples()) do out[#out + 1] = { "assertion", r } end
  return out
end

omni.test("every_sample_lands_in_its_category", function()
  for _, s in ipairs(all_samples()) do
    local id, r = s[1], s[2]
    assert.equal(failures.classify(r).id, id, cjson.encode(r))
  end
end)

omni.test("every_pattern_matches_a_real_message_of_its_category", function()
  local samples = all_samples()
  for _, e in ipairs(failures.catalog) do
    for _, p in ipairs(e.signature.patterns or {}) do
      local hit = false
      for _, s in ipairs(samples) do
        if s[1] == e.id and text_of(s[2]):find(p) then hit = true break end
      end
      assert.truthy(hit, e.id .. ": no sample matches the pattern " .. p)
    end
  end
end)

omni.test("near_misses_are_not_categorized_by_a_word", function()
  for _, n in ipairs(NEAR_MISSES) do
    local r = msg(n[1], { longrepr = n.longrepr })
    local got = failures.classify(r).id
    assert.equal(got, n.as or "uncategorized", n[1])
    if n.not_ then assert.truthy(got ~= n.not_, n[1]) end
  end
end)

-- One run of the runner: its records carry the category it gave them.
omni.test("runner_records_carry_the_right_category", { timeout = 60 }, function(tmp_path)
  local host = require "omni.core.host"
  os.execute("mkdir -p " .. tmp_path .. "/tests")
  local function write(name, text)
    local f = assert(io.open(tmp_path .. "/tests/" .. name, "w"))
    f:write(text)
    f:close()
  end
  write("test_kinds.lua", [[
local omni = require "omni"
local assert = require "omni.assert"
local clock = require "omni.core.clock"
omni.test("assert_fails", function() assert.equal(1, 2) end)
omni.test("spins", { timeout = 0.3 }, function()
  local t0 = clock.now_ns()
  while clock.now_ns() - t0 < 5e9 do end
end)
omni.test("crashes", function()
  local pid = assert(io.open("/proc/self/stat")):read("n")
  os.execute("kill -SEGV " .. pid)
  clock.sleep(5)
end)
omni.test("accuracy_budget_timeout_in_its_name", function() error("expected 3 choices, got 2") end)
]])
  write("test_broken.lua", "local x = = 1\n")
  local json = tmp_path .. "/out.json"
  os.execute("cd " .. tmp_path .. " && " .. host.exe .. " test tests --continue-on-collection-errors --no-durations --json " .. json .. " >/dev/null 2>&1")
  local f = assert(io.open(json))
  local doc = cjson.decode(f:read("a"))
  f:close()
  local got = {}
  for _, r in ipairs(doc.tests) do got[r.nodeid] = r.category end
  assert.same(got, {
    ["tests/test_broken.lua"] = "collection_error",
    ["tests/test_kinds.lua::assert_fails"] = "assertion",
    ["tests/test_kinds.lua::spins"] = "timeout",
    ["tests/test_kinds.lua::crashes"] = "crash_signal",
    ["tests/test_kinds.lua::accuracy_budget_timeout_in_its_name"] = "uncategorized",
  })
end)
