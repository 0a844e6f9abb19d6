-- Deterministic request traces for the bench merge tests (test_merge_and_report.lua,
-- test_merge_cli.lua); not a test file: they load it with dofile.
local M = {}

--- A trace of n requests with varied latencies from a linear congruential
--- generator seeded with `seed`: request i has 1 + i % itl_mod inter-token
--- gaps, starts at i * step_s (intended up to jitter_s earlier) and fails
--- when i is a multiple of fail_every. Each value is base + rnd() * span.
---@param n integer
---@param seed integer
---@param shape table { itl_mod, itl_base, itl_span, ttft_base, ttft_span, step_s, jitter_s, prompt_base, prompt_mod, fail_every, error }
---@return table reqs the run's per-request records
---@return table recs the texts and errors
function M.trace(n, seed, shape)
  local reqs, recs = {}, {}
  local x = seed
  local function rnd() x = (x * 1103515245 + 12345) % 2147483648 return x / 2147483648 end
  for i = 1, n do
    local itl = {}
    for k = 1, 1 + i % shape.itl_mod do itl[k] = shape.itl_base + rnd() * shape.itl_span end
    local ttft = shape.ttft_base + rnd() * shape.ttft_span
    local lat = ttft
    for _, v in ipairs(itl) do lat = lat + v end
    reqs[i] = { success = i % shape.fail_every ~= 0, start_s = i * shape.step_s,
      intended_s = i * shape.step_s - rnd() * shape.jitter_s, ttft_s = ttft,
      latency_s = lat, itl_s = itl, prompt_len = shape.prompt_base + i % shape.prompt_mod, output_len = #itl + 1 }
    recs[i] = { text = "t" .. i, error = reqs[i].success and "" or shape.error }
  end
  return reqs, recs
end

--- Elements a..b of t, as a new list.
---@param t table
---@param a integer
---@param b integer
---@return table
function M.slice(t, a, b)
  local o = {}
  for i = a, b do o[#o + 1] = t[i] end
  return o
end

return M
