--- The CI failure catalog: each known failure pattern with its signature
--- over a result record (cause, message, longrepr, stderr), likely causes,
--- first steps and the anchor in docs/ci/failures.md. This table is the
--- source of truth; docs/ci/failures.json is its JSON form (a test keeps
--- them equal) for tools outside omnilua.
---
--- ```lua
--- local cat = failures.classify(rec)   -- -> entry or nil
--- failures.annotate(records)           -- sets rec.category / rec.category_link
--- ```
local M = {}

M.DOC = "docs/ci/failures.md"

-- Order matters: the first entry whose signature matches wins, so the more
-- specific patterns (CUDA OOM) come before the general ones (a crash by signal).
-- Patterns are Lua patterns matched against the lower-cased text.
M.catalog = {
  {
    id = "flaky", title = "Flaky test (passed on rerun)", anchor = "flaky-pass-on-rerun",
    signature = { flaky = true },
    likely_causes = { "a race between the test and the server (reading before a stream ended)",
      "a port, file or GPU shared with another test", "timing assumptions (sleep instead of waiting for a state)" },
    first_steps = { "run the test alone many times: omnilua test NODEID --count 20 -x",
      "look at rerun_failures in the JSON report for the first attempt's message",
      "make waits explicit (poll the health endpoint, wait for the stream's [DONE])" },
  },
  {
    id = "budget_exhausted", title = "Level budget exhausted", anchor = "budget-exhausted",
    signature = { causes = { "budget" }, patterns = { "budget exhausted", "budget .* ran out", "not run because of the budget" } },
    likely_causes = { "new or slower tests pushed the level over its budget",
      "a server start that used to be shared now happens per test (fixture scope or parameter change)",
      "a slow or overloaded CI machine" },
    first_steps = { "omnilua levels: compare the predicted duration with the budget",
      "omnilua test ... --durations 20 to find the slowest tests",
      "split the level with --shard K/N in CI, or move tests to a later level" },
  },
  {
    id = "timeout", title = "Test timed out", anchor = "timeout",
    signature = { causes = { "timeout" }, patterns = { "timed out after", "timeout after", "deadline exceeded", "read timed out" } },
    likely_causes = { "the server hangs or stalls a stream", "a request waits on a dead server",
      "the per-test timeout is too small for a real model" },
    first_steps = { "read the test's stderr and the server log for the last request",
      "rerun with -v --timeout larger to see whether it finishes at all",
      "set a per-test timeout in the test's options if the case is slow by design" },
  },
  {
    id = "cuda_oom", title = "Out of memory (CUDA)", anchor = "out-of-memory-cuda",
    signature = { patterns = { "cuda out of memory", "cudaerrormemoryallocation", "outofmemoryerror",
      "cuda error: out of memory", "cublas_status_alloc_failed", "hip out of memory" } },
    likely_causes = { "gpu_memory_utilization too high for the card, or two servers on one GPU",
      "a previous test's server still holding GPU memory", "a larger model or batch than the stage config expects" },
    first_steps = { "nvidia-smi on the runner: which processes hold memory",
      "lower gpu_memory_utilization or max_num_seqs in the stage config",
      "make sure the omni_server fixture is session scoped and stopped before another starts" },
  },
  {
    id = "host_oom", title = "Out of memory (host, OOM killer)", anchor = "out-of-memory-host",
    signature = { causes = { "memory" }, patterns = { "out of memory: kill", "oom%-kill", "oom killer",
      "memory limit", "not enough memory", "memoryerror", "cannot allocate memory" } },
    likely_causes = { "a test or server allocating without bound", "too many workers (-n) for the machine's RAM",
      "the per-worker memory limit set too low" },
    first_steps = { "dmesg | grep -i oom on the runner", "run with fewer workers (-n 1)",
      "watch the server's RSS (omni.proc watch) during the test" },
  },
  {
    id = "port_in_use", title = "Port in use", anchor = "port-in-use",
    signature = { patterns = { "address already in use", "eaddrinuse", "port %d+ is already in use", "port already in use" } },
    likely_causes = { "a server from an earlier test or run still running", "two shards or jobs on one machine with a fixed port" },
    first_steps = { "ss -ltnp | grep PORT to find the owner", "let the fixture choose a free port (port 0)",
      "check that the earlier server was stopped (omnilua kills its process groups; a foreign one may linger)" },
  },
  {
    id = "server_start", title = "Server failed to start", anchor = "server-failed-to-start",
    signature = { patterns = { "server failed to start", "failed to start server", "server exited", "did not become healthy",
      "health check failed", "not healthy after", "server process exited" } },
    likely_causes = { "a bad stage config (wrong model path, unknown key)", "missing model weights or no network to fetch them",
      "not enough GPU memory for the configured stages" },
    first_steps = { "read the server log attached to the failing test (stderr)",
      "start the server by hand with the same stage config",
      "validate the stage config: omnilua lint / the fixture's config dump" },
  },
  {
    id = "connection", title = "Connection refused or reset", anchor = "connection-refused-reset",
    signature = { patterns = { "connection refused", "econnrefused", "connection reset", "econnreset", "broken pipe",
      "remote end closed", "empty reply from server", "couldn't connect", "failed to connect" } },
    likely_causes = { "the server crashed during the test (check for a signal in its log)",
      "the test used the wrong URL or port", "the server was still starting" },
    first_steps = { "check the server log for a crash or OOM just before the failure",
      "compare the URL in the message with the fixture's server URL",
      "wait on /health before sending requests" },
  },
  {
    id = "crash_signal", title = "Crash by signal", anchor = "crash-by-signal",
    signature = { causes = { "signal" }, patterns = { "sigsegv", "segmentation fault", "sigabrt", "aborted %(core dumped%)",
      "killed by signal", "sigbus", "sigill" } },
    likely_causes = { "a bug in a C binding or extension (use after free, bad pointer)",
      "an abort from an assertion in native code", "a driver problem (GPU)" },
    first_steps = { "rerun the single test; build with -DOMNILUA_SANITIZE=ON for a stack",
      "run under valgrind or gdb: omnilua test NODEID -n 0", "look for core dumps on the runner" },
  },
  {
    id = "collection_error", title = "Collection error", anchor = "collection-error",
    signature = { when = { "collect" }, patterns = { "collection error", "error collecting", "syntax error" } },
    likely_causes = { "a Lua syntax error in a test file or conftest.lua", "a module the file requires is missing",
      "an unregistered mark or an unknown fixture" },
    first_steps = { "omnilua test FILE --collect-only to see the message alone", "omnilua lint FILE" },
  },
  {
    id = "keyword_mismatch", title = "Key-word or accuracy mismatch", anchor = "key-word-accuracy-mismatch",
    signature = { patterns = { "key word", "key_words", "keyword", "none of the expected words", "accuracy",
      "expected one of" } },
    likely_causes = { "the model's answer changed (new weights, sampling settings, prompt template)",
      "the synthetic media no longer shows what the key words expect",
      "a decoding or streaming bug that drops text" },
    first_steps = { "read the answer text in the failure message", "rerun with --run-level advanced_model -v",
      "check the sampling parameters (temperature 0 for accuracy cases)" },
  },
  {
    id = "perf_regression", title = "Performance baseline regression", anchor = "perf-baseline-regression",
    signature = { patterns = { "baseline", "regression", "slower than", "exceeds the threshold" } },
    likely_causes = { "a real slowdown in the serving stack", "a noisy or different CI machine",
      "a baseline set from a faster machine" },
    first_steps = { "compare the metric with the last nightly runs (omnilua bench history)",
      "rerun the benchmark on an idle machine", "bisect between the last good and first bad commit" },
  },
}

M.unknown = {
  id = "uncategorized", title = "Uncategorized failure", anchor = "uncategorized",
  likely_causes = { "an assertion in the test failed (read the diff in the message)" },
  first_steps = { "read the failure's message and longrepr", "rerun the single test with -v" },
}

local by_id = {}
for _, e in ipairs(M.catalog) do by_id[e.id] = e end
by_id[M.unknown.id] = M.unknown

---@param id string
---@return table? entry
function M.get(id) return by_id[id] end

--- Link of an entry: `$OMNILUA_DOCS_URL/ci/failures/#anchor` when the
--- variable is set (a published site), else the repository path.
---@param entry table
---@return string
function M.link(entry)
  local base = os.getenv("OMNILUA_DOCS_URL")
  if base and base ~= "" then return base:gsub("/$", "") .. "/ci/failures/#" .. entry.anchor end
  return M.DOC .. "#" .. entry.anchor
end

local function contains(list, v)
  for _, x in ipairs(list or {}) do if x == v then return true end end
end

local function matches(entry, rec, text)
  local sig = entry.signature
  if sig.flaky then return rec.flaky == true end
  if sig.causes and rec.cause and contains(sig.causes, rec.cause) then return true end
  if sig.when and rec.when and contains(sig.when, rec.when) then return true end
  for _, p in ipairs(sig.patterns or {}) do
    if text:find(p) then return true end
  end
  return false
end

--- The catalog entry for a result record, or nil for a passed/skipped test.
--- A failed test that matches no pattern gets the "uncategorized" entry.
---@param rec table
---@return table? entry
function M.classify(rec)
  local bad = rec.outcome == "failed" or rec.outcome == "error"
    or (rec.outcome == "notrun" and rec.cause == "budget")
  if not bad and not rec.flaky then return nil end
  local text = table.concat({ rec.message or "", rec.longrepr or "", rec.stderr or "" }, "\n"):lower()
  for _, e in ipairs(M.catalog) do
    if matches(e, rec, text) then return e end
  end
  if rec.flaky then return by_id.flaky end
  return M.unknown
end

--- Sets `category` and `category_link` on every failed, errored, budget
--- not-run or flaky record. Returns the records.
---@param records table[]
---@return table[]
function M.annotate(records)
  for _, r in ipairs(records) do
    local e = M.classify(r)
    if e then
      r.category = e.id
      r.category_link = M.link(e)
    end
  end
  return records
end

--- Groups records by category: list of { entry, records } in catalog order.
---@param records table[]
---@return table[]
function M.group(records)
  local groups, index = {}, {}
  for _, r in ipairs(records) do
    local e = M.classify(r)
    if e then
      if not index[e.id] then
        index[e.id] = { entry = e, records = {} }
      end
      local g = index[e.id].records
      g[#g + 1] = r
    end
  end
  for _, e in ipairs(M.catalog) do if index[e.id] then groups[#groups + 1] = index[e.id] end end
  if index.uncategorized then groups[#groups + 1] = index.uncategorized end
  return groups
end

--- The catalog as plain data (what docs/ci/failures.json holds).
---@return table
function M.export()
  local out = { version = 1, doc = M.DOC, categories = {} }
  local function copy(e)
    return { id = e.id, title = e.title, anchor = e.anchor, signature = e.signature,
      likely_causes = e.likely_causes, first_steps = e.first_steps }
  end
  for _, e in ipairs(M.catalog) do out.categories[#out.categories + 1] = copy(e) end
  out.categories[#out.categories + 1] = copy(M.unknown)
  return out
end

return M
