--- The soak's HTML report: one self-contained file (inline SVG charts and
--- CSS, no scripts, nothing fetched from the network) with the verdict
--- table, the server's RSS / VRAM / CPU over time, latency percentiles,
--- throughput and errors per window, and the events (deaths, restarts)
--- marked on every chart.
local M = {}

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end
M.escape = esc

local function num(x)
  if x == nil then return "" end
  return (string.format("%.1f", x):gsub("%.0$", ""))
end

local function nice_max(v)
  if v <= 0 then return 1 end
  local e = 10 ^ math.floor(math.log(v, 10))
  for _, m in ipairs({ 1, 2, 2.5, 5, 10 }) do
    if m * e >= v then return m * e end
  end
  return 10 * e
end

local COLORS = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e" }

--- An SVG line chart.
---@param c {title: string, unit: string, lines: {name: string, points: number[][], dashed?: boolean}[], events?: table[], t_max?: number}
---@return string svg
function M.chart(c)
  local W, H, L, R, T, B = 860, 230, 64, 16, 28, 34
  local xmax, ymin, ymax = c.t_max or 0, 0, 0
  local any = false
  for _, l in ipairs(c.lines) do
    for _, p in ipairs(l.points) do
      any = true
      if p[1] > xmax then xmax = p[1] end
      if p[2] > ymax then ymax = p[2] end
      if p[2] < ymin then ymin = p[2] end
    end
  end
  if xmax <= 0 then xmax = 1 end
  ymax = nice_max(ymax)
  local function X(t) return L + (W - L - R) * t / xmax end
  local function Y(v) return H - B - (H - T - B) * (v - ymin) / (ymax - ymin) end
  local o = {}
  o[#o + 1] = string.format('<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">',
    W, H, W, H, esc(c.title))
  o[#o + 1] = string.format('<text x="%d" y="18" class="title">%s (%s)</text>', L, esc(c.title), esc(c.unit))
  for i = 0, 4 do
    local v = ymin + (ymax - ymin) * i / 4
    o[#o + 1] = string.format('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" class="grid"/><text x="%d" y="%.1f" class="tick" text-anchor="end">%s</text>',
      L, W - R, Y(v), Y(v), L - 6, Y(v) + 4, num(v))
  end
  local hours = xmax >= 7200
  for i = 0, 5 do
    local t = xmax * i / 5
    o[#o + 1] = string.format('<text x="%.1f" y="%d" class="tick" text-anchor="middle">%s</text>', X(t), H - B + 16,
      hours and (num(t / 3600) .. " h") or (num(t) .. " s"))
  end
  for _, e in ipairs(c.events or {}) do
    if e.t and (e.what == "server_died" or e.what == "server_restarted" or e.what == "resumed") then
      local cls = e.what == "server_died" and "ev-died" or "ev-other"
      o[#o + 1] = string.format('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" class="%s"><title>%s at %ss: %s</title></line>',
        X(e.t), X(e.t), T, H - B, cls, esc(e.what), num(e.t), esc(e.detail or ""))
    end
  end
  for i, l in ipairs(c.lines) do
    if #l.points > 0 then
      local pts = {}
      for _, p in ipairs(l.points) do pts[#pts + 1] = string.format("%.1f,%.1f", X(p[1]), Y(p[2])) end
      o[#o + 1] = string.format('<polyline fill="none" stroke="%s" stroke-width="1.5"%s points="%s"><title>%s</title></polyline>',
        COLORS[(i - 1) % #COLORS + 1], l.dashed and ' stroke-dasharray="6 4"' or "", table.concat(pts, " "), esc(l.name))
      o[#o + 1] = string.format('<text x="%d" y="18" class="legend" fill="%s">%s</text>', W - R - 160 * (#c.lines - i + 1) + 40,
        COLORS[(i - 1) % #COLORS + 1], esc(l.name))
    end
  end
  if not any then
    o[#o + 1] = string.format('<text x="%d" y="%d" class="empty" text-anchor="middle">no data</text>', W // 2, H // 2)
  end
  o[#o + 1] = "</svg>"
  return table.concat(o, "\n")
end

-- At most n points, keeping the shape (every k-th point plus the last).
local function thin(points, n)
  if #points <= n then return points end
  local out, k = {}, math.ceil(#points / n)
  for i = 1, #points, k do out[#out + 1] = points[i] end
  if out[#out] ~= points[#points] then out[#out + 1] = points[#points] end
  return out
end

local function window_points(ws, field, scale)
  local pts = {}
  for _, w in ipairs(ws) do
    if type(w[field]) == "number" then pts[#pts + 1] = { (w.t0 + w.t1) / 2, w[field] * (scale or 1) } end
  end
  return pts
end

local CSS = [[
body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:920px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;font-size:14px}
.passed{background:#e6f4ea}.failed{background:#fce8e6}.skipped{background:#f1f3f4}
svg.chart{display:block;margin:14px 0;background:#fafafa;border:1px solid #eee}
.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#555}.legend{font-size:12px}
.grid{stroke:#e3e3e3}.ev-died{stroke:#d62728;stroke-width:2}.ev-other{stroke:#999;stroke-dasharray:3 3}
.empty{fill:#999;font-size:14px}
]]

--- The report of one or more tests.
---@param tests {name: string, verdicts: table[], series: table, note?: string, reason?: string}[]
---@param meta {file: string, started?: string}
---@return string html
function M.render(tests, meta)
  local o = {}
  o[#o + 1] = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>omnilua soak: ' .. esc(meta.file) .. '</title>'
  o[#o + 1] = "<style>" .. CSS .. "</style></head><body>"
  o[#o + 1] = "<h1>Stability soak: " .. esc(meta.file) .. "</h1>"
  if meta.started then o[#o + 1] = "<p>Started " .. esc(meta.started) .. "</p>" end
  for _, t in ipairs(tests) do
    local s = t.series
    o[#o + 1] = '<h2 id="' .. esc(t.name) .. '">' .. esc(t.name) .. "</h2>"
    if t.note then o[#o + 1] = "<p><em>" .. esc(t.note) .. "</em></p>" end
    o[#o + 1] = '<table class="verdicts"><tr><th>check</th><th>verdict</th><th>detail</th></tr>'
    for _, v in ipairs(t.verdicts or {}) do
      o[#o + 1] = string.format('<tr class="%s"><td>%s</td><td>%s</td><td>%s</td></tr>', esc(v.outcome), esc(v.name),
        esc(v.outcome), esc(v.message or ""))
    end
    o[#o + 1] = "</table>"
    local tmax = 0
    for _, list in ipairs({ s.samples, s.windows }) do
      for _, x in ipairs(list) do tmax = math.max(tmax, x.t or x.t1 or 0) end
    end
    local rss, vram, cpu, procs = {}, {}, {}, {}
    for _, x in ipairs(s.samples) do
      if x.rss_bytes and (x.procs or 0) > 0 then rss[#rss + 1] = { x.t, x.rss_bytes / 1048576 } end
      if x.vram_bytes then vram[#vram + 1] = { x.t, x.vram_bytes / 1048576 } end
      if x.cpu_pct then cpu[#cpu + 1] = { x.t, x.cpu_pct } end
      if x.procs then procs[#procs + 1] = { x.t, x.procs } end
    end
    local ev = s.events
    local win_rss = window_points(s.windows, "rss_mb")
    local charts = {
      { title = "Server RSS (process group)", unit = "MB", lines = { { name = "samples", points = thin(rss, 1500) },
        { name = "window mean", points = win_rss, dashed = true } } },
      { title = "GPU memory in use", unit = "MB", lines = { { name = "all devices", points = thin(vram, 1500) } } },
      { title = "Server CPU", unit = "% of one core", lines = { { name = "cpu", points = thin(cpu, 1500) } } },
      { title = "Latency per window", unit = "ms", lines = { { name = "p50", points = window_points(s.windows, "p50_ms") },
        { name = "p99", points = window_points(s.windows, "p99_ms") } } },
      { title = "Throughput per window", unit = "req/s", lines = { { name = "ok req/s", points = window_points(s.windows, "throughput_rps") } } },
      { title = "Errors per window", unit = "requests", lines = { { name = "errors", points = window_points(s.windows, "errors") } } },
    }
    for _, c in ipairs(charts) do
      c.events, c.t_max = ev, tmax
      o[#o + 1] = M.chart(c)
    end
    if #ev > 0 then
      o[#o + 1] = "<h3>Events</h3><table><tr><th>t (s)</th><th>event</th><th>detail</th></tr>"
      for _, e in ipairs(ev) do
        o[#o + 1] = string.format("<tr><td>%s</td><td>%s</td><td>%s</td></tr>", num(e.t), esc(e.what), esc(e.detail or ""))
      end
      o[#o + 1] = "</table>"
    end
  end
  o[#o + 1] = "</body></html>\n"
  return table.concat(o, "\n")
end

--- Writes the report.
---@param path string
---@param tests table[] as render
---@param meta table as render
---@return boolean? ok
---@return string? err
function M.write(path, tests, meta)
  local f, e = io.open(path, "wb")
  if not f then return nil, "cannot write " .. path .. ": " .. tostring(e) end
  f:write(M.render(tests, meta))
  f:close()
  return true
end

return M
