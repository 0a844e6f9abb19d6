--- omni.bench.progress: a one-line live progress display with an ETA, on a
--- terminal only (CI logs get nothing from it).
local clock = require "omni.core.clock"

local M = {}

local function is_tty()
  local ok, w = pcall(require, "omni.core.worker")
  return ok and type(w) == "table" and w.isatty and w.isatty(2) or false
end

--- A progress line for `total` requests; :update(done, failed) redraws at
--- most 4 times a second; :finish() clears it.
---@param total integer
---@param opts? {enabled?: boolean, out?: file*, label?: string}
function M.new(total, opts)
  opts = opts or {}
  local enabled = opts.enabled
  if enabled == nil then enabled = is_tty() end
  return setmetatable({ total = total, t0 = clock.now_ns(), last = 0, enabled = enabled,
    out = opts.out or io.stderr, label = opts.label or "bench" }, { __index = M })
end

--- The text of the line (exposed for tests).
function M:text(done, failed, now_ns)
  local el = (now_ns - self.t0) / 1e9
  local eta = done > 0 and el / done * (self.total - done) or nil
  return string.format("[%s] %d/%d done, %d failed, %.1f s elapsed, ETA %s", self.label, done, self.total,
    failed, el, eta and string.format("%.1f s", eta) or "?")
end

function M:update(done, failed)
  if not self.enabled then return end
  local now = clock.now_ns()
  if now - self.last < 250000000 and done < self.total then return end
  self.last = now
  self.out:write("\r\27[K", self:text(done, failed, now))
  self.out:flush()
end

function M:finish()
  if self.enabled then self.out:write("\r\27[K") self.out:flush() end
end

return M
