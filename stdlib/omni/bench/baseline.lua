--- omni.bench.baseline: compares measured results with their baselines, as
--- the reference's perf runner does: a metric whose name contains
--- "throughput" must be >= its baseline; every other metric (latencies, RTF,
--- durations) must be <= it.
local M = {}

--- true when larger is better for this metric.
---@param metric string
---@return boolean
function M.higher_is_better(metric) return metric:find("throughput", 1, true) ~= nil end

--- One verdict row.
---@param metric string
---@param baseline number
---@param measured number?
---@return {metric: string, baseline: number, measured: number?, op: string, verdict: string}
function M.check(metric, baseline, measured)
  local hib = M.higher_is_better(metric)
  local op = hib and ">=" or "<="
  local ok
  if type(measured) ~= "number" then ok = false
  elseif hib then ok = measured >= baseline
  else ok = measured <= baseline end
  return { metric = metric, baseline = baseline, measured = measured, op = op, verdict = ok and "PASS" or "REGRESSION" }
end

--- Rows for every metric of a baseline table, sorted by metric name.
---@param baseline table<string, number>
---@param res table the result JSON
---@return table[] rows, boolean all_ok
function M.compare(baseline, res)
  local names = {}
  for k in pairs(baseline) do names[#names + 1] = k end
  table.sort(names)
  local rows, ok = {}, true
  for _, k in ipairs(names) do
    local r = M.check(k, baseline[k], res[k])
    rows[#rows + 1] = r
    if r.verdict ~= "PASS" then ok = false end
  end
  return rows, ok
end

local function fmt(v)
  if type(v) ~= "number" then return "missing" end
  if v == math.floor(v) and math.abs(v) < 1e15 then return string.format("%d", v) end
  return string.format("%.4g", v)
end
M.fmt = fmt

--- The verdict table as text lines: metric / baseline / measured / verdict.
---@param rows table[]
---@return string[]
function M.table_lines(rows)
  local w = #"metric"
  for _, r in ipairs(rows) do w = math.max(w, #r.metric) end
  local lines = { string.format("%-" .. w .. "s  %14s  %14s  %s", "metric", "baseline", "measured", "verdict") }
  for _, r in ipairs(rows) do
    lines[#lines + 1] = string.format("%-" .. w .. "s  %11s %2s  %14s  %s", r.metric, fmt(r.baseline), r.op,
      fmt(r.measured), r.verdict)
  end
  return lines
end

return M
