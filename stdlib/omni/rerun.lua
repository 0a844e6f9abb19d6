--- `--reruns N`: the policy for rerunning failed tests. A test that fails
--- and then passes on a rerun is *flaky*: it is reported as outcome "passed"
--- with `flaky = true` (and its first failure kept in `rerun_failures`),
--- counted under "flaky" — never hidden as a plain pass.
---
--- The runner's loop:
--- ```lua
--- local policy = rerun.new(opts.reruns)
--- local attempts = { run_test(item) }
--- while policy:should_rerun(attempts[#attempts], #attempts) do attempts[#attempts + 1] = run_test(item) end
--- report(rerun.combine(attempts))
--- ```
local M = {}

-- These end the run or the test for reasons a rerun cannot change.
local NO_RERUN_CAUSES = { budget = true, interrupted = true }

---@class omni.RerunPolicy
---@field reruns integer

--- A policy allowing `n` reruns (0 = none).
---@param n integer?
---@return omni.RerunPolicy
function M.new(n)
  n = n or 0
  if math.type(n) ~= "integer" or n < 0 then
    error("bad argument #1 to 'new' (non-negative integer expected, got " .. tostring(n) .. ")", 2)
  end
  return setmetatable({ reruns = n }, { __index = M })
end

--- Whether a test whose latest attempt is `rec` (attempt number `attempts`)
--- runs again.
---@param rec table the latest attempt's record
---@param attempts integer attempts so far (1 after the first run)
---@return boolean
function M:should_rerun(rec, attempts)
  if attempts > self.reruns then return false end
  if rec.outcome ~= "failed" and rec.outcome ~= "error" then return false end
  if rec.when == "collect" then return false end
  if rec.cause and NO_RERUN_CAUSES[rec.cause] then return false end
  return true
end

--- One record for a test from its attempts (in order).
---@param attempts table[]
---@return table rec
function M.combine(attempts)
  assert(#attempts > 0, "combine needs at least one attempt")
  local last = attempts[#attempts]
  if #attempts == 1 then return last end
  local rec = {}
  for k, v in pairs(last) do rec[k] = v end
  rec.reruns = #attempts - 1
  local failures = {}
  for i = 1, #attempts - 1 do
    failures[#failures + 1] = { outcome = attempts[i].outcome, message = attempts[i].message,
      cause = attempts[i].cause, duration = attempts[i].duration }
  end
  rec.rerun_failures = failures
  if last.outcome == "passed" then
    rec.flaky = true
    rec.message = "flaky: passed on rerun " .. (#attempts - 1) .. " after: " .. tostring(attempts[1].message or attempts[1].outcome)
  end
  local total = 0
  for _, a in ipairs(attempts) do total = total + (a.duration or 0) end
  rec.duration = total
  return rec
end

--- Number of flaky records (for the summary's "N flaky").
---@param records table[]
---@return integer
function M.count_flaky(records)
  local n = 0
  for _, r in ipairs(records) do if r.flaky then n = n + 1 end end
  return n
end

return M
