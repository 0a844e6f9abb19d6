--- Turns checked responses into the test's verdict: each response gets
--- `success` and `error`; if any failed, one omni.outcome failure lists
--- every failed check by request (a few of them), with its classified code.
local http = require "omni.http"
local outcome = require "omni.outcome"

local M = {}

M.MAX_REQUESTS, M.MAX_CHECKS = 5, 3

--- The failure message, or nil when every response passed.
---@param responses table[]
---@param info {who: string, kind: string, model: string?, level: string}
---@return string? message, table? first_failed
function M.message(responses, info)
  local failed = {}
  for _, r in ipairs(responses) do if not r.success then failed[#failed + 1] = r end end
  if #failed == 0 then return nil end
  local n = #responses
  local lines = { string.format("%s: %d of %d %s request%s failed (model %s, run level %s)",
    info.who, #failed, n, info.kind, n == 1 and "" or "s", tostring(info.model), info.level) }
  for i, r in ipairs(failed) do
    if i > M.MAX_REQUESTS then
      lines[#lines + 1] = string.format("... and %d more failed requests", #failed - M.MAX_REQUESTS)
      break
    end
    for j, f in ipairs(r.failures) do
      if j > M.MAX_CHECKS then
        lines[#lines + 1] = string.format("  ... and %d more failed checks", #r.failures - M.MAX_CHECKS)
        break
      end
      lines[#lines + 1] = string.format("request %d of %d: check '%s' failed%s: %s", r.index, n, f.check,
        f.code and (" (" .. f.code .. ")") or "", f.message)
    end
  end
  return table.concat(lines, "\n"), failed[1]
end

--- Sets success/error on every response and raises the failure (unless
--- info.raise is false). The secret is masked everywhere.
---@param responses table[]
---@param info {who: string, kind: string, model: string?, level: string, where: string?, raise: boolean, secret: string?}
---@return table[] responses
function M.conclude(responses, info)
  for _, r in ipairs(responses) do
    r.problems = nil
    for _, f in ipairs(r.failures) do f.message = http.mask(f.message, info.secret) end
    r.success = #r.failures == 0
    r.error = r.failures[1] and string.format("%s: %s", r.failures[1].check, r.failures[1].message) or nil
  end
  local message, first = M.message(responses, info)
  if message and info.raise then
    local f1 = first.failures[1]
    error(setmetatable({ message = http.mask(message, info.secret), where = info.where, check = f1.check,
      code = f1.code, request = first.index, responses = responses }, outcome.Failure), 0)
  end
  return responses
end

return M
