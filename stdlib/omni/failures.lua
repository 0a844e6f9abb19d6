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

-- Order matters: the first entry whose signature matches wins. Resources
-- running out and a server that never came up come before the timeouts and
-- dropped connections they cause; the assertion entry comes last, after
-- every specific one, since a failed assertion may quote any of them.
--
-- Patterns are Lua patterns matched against the lower-cased failure text
-- (see failure_text below). Each is a phrase that omnilua, or the tool
-- named in the comment, really prints when that failure happens, never a
-- bare word: "accuracy" in a step title or "budget" in a log line is not a
-- failure. tests/ci/test_failure_patterns.lua holds a real sample for
-- every pattern and near misses that must not match.
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
    signature = { causes = { "budget" }, patterns = {
      "budget of %S+ exhausted",           -- runner: "not run: run budget of 15m exhausted", "stopped: ..."
      "level budget exhausted",            -- levels: "stopped: level budget exhausted after 12m"
      "level budget was exhausted",        -- levels: "not run: the level budget was exhausted before this step"
      "did not stop at the level budget",  -- levels: a step killed at the budget
      "budget ran out",                    -- bench nightly, JUnit: "not run: the run budget ran out"
    } },
    likely_causes = { "new or slower tests pushed the level over its budget",
      "a server start that used to be shared now happens per test (fixture scope or parameter change)",
      "a slow or overloaded CI machine" },
    first_steps = { "omnilua levels: compare the predicted duration with the budget",
      "omnilua test ... --durations 20 to find the slowest tests",
      "split the level with --shard K/N in CI, or move tests to a later level" },
  },
  {
    id = "cuda_oom", title = "Out of memory (CUDA)", anchor = "out-of-memory-cuda",
    signature = { patterns = {
      "cuda out of memory",                -- PyTorch: "torch.OutOfMemoryError: CUDA out of memory. Tried to ..."
      "%f[%w]outofmemoryerror",            -- PyTorch's exception class (torch.cuda.OutOfMemoryError)
      "cuda error: out of memory",         -- PyTorch: "RuntimeError: CUDA error: out of memory"
      "cudamalloc: out of memory",         -- omni.gpu hog: "cannot hold N bytes on GPU 0: cudaMalloc: out of memory"
      "cudaerrormemoryallocation",         -- the CUDA runtime's error name
      "cublas_status_alloc_failed",        -- cuBLAS
      "hip out of memory",                 -- PyTorch on ROCm
      "no available memory for the cache blocks", -- vLLM at engine start
    } },
    likely_causes = { "gpu_memory_utilization too high for the card, or two servers on one GPU",
      "a previous test's server still holding GPU memory", "a larger model or batch than the stage config expects" },
    first_steps = { "nvidia-smi on the runner: which processes hold memory",
      "lower gpu_memory_utilization or max_num_seqs in the stage config",
      "make sure the omni_server fixture is session scoped and stopped before another starts" },
  },
  {
    id = "host_oom", title = "Out of memory (host, OOM killer)", anchor = "out-of-memory-host",
    signature = { causes = { "memory" }, patterns = {
      "out of memory: worker memory limit", -- runner: "out of memory: worker memory limit 2 GiB"
      "not enough memory",                 -- Lua's allocation failure
      "out of host memory",                -- omni.gpu's host allocations
      "out of memory: kill",               -- kernel: "Out of memory: Killed process 1234 (python3)"
      "oom%-kill",                         -- kernel: "oom-kill:constraint=...", "invoked oom-killer"
      "%f[%w]memoryerror",                 -- Python's MemoryError (not torch's OutOfMemoryError)
      "cannot allocate memory",            -- strerror(ENOMEM)
    } },
    likely_causes = { "a test or server allocating without bound", "too many workers (-n) for the machine's RAM",
      "the per-worker memory limit set too low" },
    first_steps = { "dmesg | grep -i oom on the runner", "run with fewer workers (-n 1)",
      "watch the server's RSS (omni.proc watch) during the test" },
  },
  {
    id = "port_in_use", title = "Port in use", anchor = "port-in-use",
    signature = { patterns = {
      "port %d+ is taken",                 -- omni.server: "cannot start: port 8000 is taken by another process"
      "the port is taken",                 -- the dummy server: "... (the port is taken)"
      "address already in use",            -- strerror(EADDRINUSE): omni.faults, server logs
      "%f[%w]eaddrinuse%f[%W]",            -- the error code
      "no free port found",                -- omni.server.free_port
    } },
    likely_causes = { "a server from an earlier test or run still running", "two shards or jobs on one machine with a fixed port" },
    first_steps = { "ss -ltnp | grep PORT to find the owner", "let the fixture choose a free port (port 0)",
      "check that the earlier server was stopped (omnilua kills its process groups; a foreign one may linger)" },
  },
  {
    id = "server_start", title = "Server failed to start", anchor = "server-failed-to-start",
    signature = { patterns = {
      "server for [^\n]- during startup",  -- omni.server: "vllm server for M (URL) exited with code 1 during startup"
      "server for [^\n]- was not ready within", -- omni.server: "... was not ready within 600 s (last check: ...)"
      "server for [^\n]- serves %[[^\n]-%], not ", -- omni.server: the server lists another model
      "stage config for [^\n]-: ",         -- omni.server / omni.offline: the stage config does not load
      "server did not start: ",            -- omnilua bench nightly
    } },
    likely_causes = { "a bad stage config (wrong model path, unknown key)", "missing model weights or no network to fetch them",
      "not enough GPU memory for the configured stages" },
    first_steps = { "read the server log attached to the failing test (stderr)",
      "start the server by hand with the same stage config",
      "validate the stage config: omnilua lint / the fixture's config dump" },
  },
  {
    id = "timeout", title = "Test timed out", anchor = "timeout",
    signature = { causes = { "timeout" }, patterns = {
      "timed out after %d",                -- runner: "timed out after 300 s"
      "%f[%w]timeout after %d",            -- omni.http: "POST URL: timeout after 30 s", "connect timeout after 10000 ms"
      "idle timeout: nothing received",    -- omni.http's idle_timeout
      "did not finish within %d",          -- omni.offline: "CMD did not finish within 600 s"
      "read timed out",                    -- Python requests (imported JUnit)
    } },
    likely_causes = { "the server hangs or stalls a stream", "a request waits on a dead server",
      "the per-test timeout is too small for a real model" },
    first_steps = { "read the test's stderr and the server log for the last request",
      "rerun with -v --timeout larger to see whether it finishes at all",
      "set a per-test timeout in the test's options if the case is slow by design" },
  },
  {
    id = "connection", title = "Connection refused or reset", anchor = "connection-refused-reset",
    signature = { patterns = {
      "cannot connect: ",                  -- omni.http: "POST URL: cannot connect: Connection refused"
      "connection refused",                -- strerror(ECONNREFUSED)
      "connection reset: ",                -- omni.http: "connection reset: Broken pipe"
      "connection reset by peer",          -- strerror(ECONNRESET)
      "the server closed the connection",  -- omni.http: "... without answering", "... inside the answer head"
      "%f[%w]econnrefused%f[%W]",          -- omni.http's codes, e.g. "check 'status' failed (ECONNREFUSED)"
      "%f[%w]econnreset%f[%W]",
      "remote end closed connection",      -- Python http.client (imported JUnit)
      "empty reply from server",           -- curl
    } },
    likely_causes = { "the server crashed during the test (check for a signal in its log)",
      "the test used the wrong URL or port", "the server was still starting" },
    first_steps = { "check the server log for a crash or OOM just before the failure",
      "compare the URL in the message with the fixture's server URL",
      "wait on /health before sending requests" },
  },
  {
    id = "crash_signal", title = "Crash by signal", anchor = "crash-by-signal",
    signature = { causes = { "signal" }, patterns = {
      "worker crashed with signal %d",     -- runner: "worker crashed with signal 11 (Segmentation fault)"
      "segmentation fault",                -- strsignal(SIGSEGV), shells, Python's faulthandler
      "aborted %(core dumped%)",           -- a shell after SIGABRT
      "fatal python error",                -- Python's faulthandler
      "%f[%w]sigsegv%f[%W]", "%f[%w]sigabrt%f[%W]", "%f[%w]sigbus%f[%W]", "%f[%w]sigill%f[%W]",
    } },
    likely_causes = { "a bug in a C binding or extension (use after free, bad pointer)",
      "an abort from an assertion in native code", "a driver problem (GPU)" },
    first_steps = { "rerun the single test; build with -DOMNILUA_SANITIZE=ON for a stack",
      "run under valgrind or gdb: omnilua test NODEID -n 0", "look for core dumps on the runner" },
  },
  {
    id = "collection_error", title = "Collection error", anchor = "collection-error",
    signature = { when = { "collect" }, patterns = {
      "conftest failed to load: ",         -- the collector
      "error collecting ",                 -- pytest: "ERROR collecting tests/test_x.py"
      "collection failure",                -- pytest's JUnit: <error message="collection failure">
    } },
    likely_causes = { "a Lua syntax error in a test file or conftest.lua", "a module the file requires is missing",
      "an unregistered mark or an unknown fixture" },
    first_steps = { "omnilua test FILE --collect-only to see the message alone", "omnilua lint FILE" },
  },
  {
    id = "keyword_mismatch", title = "Key-word or accuracy mismatch", anchor = "key-word-accuracy-mismatch",
    signature = { patterns = {
      "check 'key_words' failed",          -- openai_client / omni_runner: "request 1 of 2: check 'key_words' failed: ..."
      "none of the [^\n]- key words %[",   -- the check itself: "none of the A key words [\"paris\"] appear in ..."
      "accuracy[^\n]- %(%d+/%d+ correct%) is below", -- omni.accuracy: "accuracy of S 0.600 (12/20 correct) is below the threshold"
    } },
    likely_causes = { "the model's answer changed (new weights, sampling settings, prompt template)",
      "the synthetic media no longer shows what the key words expect",
      "a decoding or streaming bug that drops text" },
    first_steps = { "read the answer text in the failure message", "rerun with --run-level advanced_model -v",
      "check the sampling parameters (temperature 0 for accuracy cases)" },
  },
  {
    id = "perf_regression", title = "Performance baseline regression", anchor = "perf-baseline-regression",
    signature = { patterns = {
      "regression: [%w_]+ = ",             -- bench nightly: "regression: mean_ttft_ms = 250.3 (baseline <= 100)"
      "%(baseline [<>=]= ",                -- each metric over its baseline, as above
    } },
    likely_causes = { "a real slowdown in the serving stack", "a noisy or different CI machine",
      "a baseline set from a faster machine" },
    first_steps = { "compare the metric with the last nightly runs (omnilua bench history)",
      "rerun the benchmark on an idle machine", "bisect between the last good and first bad commit" },
  },
  {
    id = "assertion", title = "Assertion failed", anchor = "assertion-failed",
    signature = { patterns = {
      -- omni.assert's verdict lines ("Expected objects to be equal.", ...)
      "expected objects to be equal%.", "expected objects to be the same%.", "expected values to be near%.",
      "expected string to match pattern%.", "expected string to contain substring%.",
      "expected table to contain value%.", "expected function to raise an error%.",
      "expected error to match pattern%.", "expected value of type %a+%.", "expected value to be %a+%.",
      "expected value not to be nil%.",
      "e   passed in:",                     -- assert(v, msg): the value under the message
      "assertion failed!",                 -- Lua's assert(v) and omni.assert(v) without a message
      "%f[%w]assertionerror%f[%W]",        -- Python (imported pytest JUnit)
    } },
    likely_causes = { "the code under test changed behaviour, or the test's expectation is out of date",
      "a value that depends on order, time or the machine (table order, floats, paths, ports)",
      "the server's answer changed shape (a field renamed, another status code)" },
    first_steps = { "read the verdict and the Passed in / Expected values (or the Differences list) in longrepr",
      "open the test at the file:line the failure points to",
      "rerun the single test: omnilua test NODEID -v" },
  },
}

M.unknown = {
  id = "uncategorized", title = "Uncategorized failure", anchor = "uncategorized",
  likely_causes = { "an error raised by the test or the code it calls (attempt to index a nil value, a bad argument)",
    "assert.fail or a custom failure with a text no entry knows" },
  first_steps = { "read the failure's message and longrepr", "rerun the single test with -v",
    "if the failure is a recurring kind, add an entry with its real message to stdlib/omni/failures.lua" },
}

-- Every entry, the catalog's then the fallback: what get, group and export walk.
local all = { table.unpack(M.catalog) }
all[#all + 1] = M.unknown

local by_id = {}
for _, e in ipairs(all) do by_id[e.id] = e end

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

-- The text the patterns see: message, longrepr and stderr, lower-cased.
-- longrepr's quoted source lines ("> " lines, as omnilua and pytest print
-- them) and omnilua's traceback are left out: they are code and file
-- names, and a test whose code says "timeout" or whose path has "accuracy"
-- in it must not match what it merely names.
local function failure_text(rec)
  local long = (rec.longrepr or ""):gsub("\ntraceback:\n.*$", "")
  long = ("\n" .. long):gsub("\n>[^\n]*", "")
  return table.concat({ rec.message or "", long, rec.stderr or "" }, "\n"):lower()
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
  local text = failure_text(rec)
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
  for _, e in ipairs(all) do if index[e.id] then groups[#groups + 1] = index[e.id] end end
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
  for _, e in ipairs(all) do out.categories[#out.categories + 1] = copy(e) end
  return out
end

return M
