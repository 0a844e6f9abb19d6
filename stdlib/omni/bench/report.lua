--- omni.bench.report: the nightly perf report, as one self-contained HTML
--- file (inline CSS and SVG charts, no script, no network fetch) and as a
--- Markdown table. Charts: latency percentiles per point, throughput
--- against rate (or concurrency), audio RTF per point.
local baseline = require "omni.bench.baseline"

local M = {}

local function esc(s)
  return (tostring(s):gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local COLORS = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948" }

local function nice_max(v)
  if v <= 0 then return 1 end
  local e = 10 ^ math.floor(math.log(v, 10))
  for _, m in ipairs({ 1, 2, 2.5, 5, 10 }) do if m * e >= v then return m * e end end
  return 10 * e
end

local function legend(series, x, y)
  local out = {}
  for i, s in ipairs(series) do
    out[#out + 1] = string.format('<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="11">%s</text>',
      x + (i - 1) * 110, y, COLORS[(i - 1) % #COLORS + 1], x + (i - 1) * 110 + 14, y + 9, esc(s.name))
  end
  return table.concat(out)
end

--- Grouped bar chart: labels on x, one bar per series.
---@param title string
---@param labels string[]
---@param series {name: string, values: number[]}[]
---@param unit string
---@return string svg
function M.bars(title, labels, series, unit)
  local W, H, L, B = math.max(420, 60 + #labels * (#series * 14 + 24)), 260, 56, 60
  local vmax = 0
  for _, s in ipairs(series) do for _, v in ipairs(s.values) do if v > vmax then vmax = v end end end
  vmax = nice_max(vmax)
  local ph = H - B - 30
  local out = { string.format('<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">', W, H, esc(title)),
    string.format('<text x="%d" y="16" font-size="13" font-weight="bold">%s</text>', L, esc(title)) }
  for k = 0, 4 do
    local y = 30 + ph - ph * k / 4
    out[#out + 1] = string.format('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="10" text-anchor="end">%s</text>',
      L, W - 10, y, y, L - 4, y + 3, baseline.fmt(vmax * k / 4))
  end
  out[#out + 1] = string.format('<text x="12" y="%d" font-size="10" transform="rotate(-90 12 %d)">%s</text>', 30 + ph // 2, 30 + ph // 2, esc(unit))
  local gw = (W - L - 10) / math.max(1, #labels)
  local bw = math.min(14, (gw - 10) / math.max(1, #series))
  for i, lab in ipairs(labels) do
    local gx = L + (i - 1) * gw + (gw - bw * #series) / 2
    for j, s in ipairs(series) do
      local v = s.values[i] or 0
      local h = ph * v / vmax
      out[#out + 1] = string.format('<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>',
        gx + (j - 1) * bw, 30 + ph - h, bw - 1, h, COLORS[(j - 1) % #COLORS + 1], esc(lab), esc(s.name), baseline.fmt(v))
    end
    out[#out + 1] = string.format('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>', L + (i - 0.5) * gw, 30 + ph + 14, esc(lab))
  end
  out[#out + 1] = legend(series, L, H - 20)
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

--- Line chart of series against numeric xs.
---@param title string
---@param xs number[]
---@param series {name: string, values: number[]}[]
---@param xlabel string
---@return string svg
function M.lines(title, xs, series, xlabel)
  local W, H, L, B = 460, 260, 56, 60
  local ph, pw = H - B - 30, W - L - 20
  local xmax, vmax = 0, 0
  for _, x in ipairs(xs) do if x > xmax then xmax = x end end
  for _, s in ipairs(series) do for _, v in ipairs(s.values) do if v > vmax then vmax = v end end end
  xmax, vmax = nice_max(xmax), nice_max(vmax)
  local function px(x) return L + pw * x / xmax end
  local function py(v) return 30 + ph - ph * v / vmax end
  local out = { string.format('<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="%s">', W, H, esc(title)),
    string.format('<text x="%d" y="16" font-size="13" font-weight="bold">%s</text>', L, esc(title)) }
  for k = 0, 4 do
    out[#out + 1] = string.format('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" font-size="10" text-anchor="end">%s</text>',
      L, W - 20, py(vmax * k / 4), py(vmax * k / 4), L - 4, py(vmax * k / 4) + 3, baseline.fmt(vmax * k / 4))
    out[#out + 1] = string.format('<text x="%.1f" y="%d" font-size="10" text-anchor="middle">%s</text>', px(xmax * k / 4), 30 + ph + 14, baseline.fmt(xmax * k / 4))
  end
  out[#out + 1] = string.format('<text x="%d" y="%d" font-size="10" text-anchor="middle">%s</text>', L + pw // 2, 30 + ph + 28, esc(xlabel))
  for j, s in ipairs(series) do
    local pts = {}
    for i, x in ipairs(xs) do pts[#pts + 1] = string.format("%.1f,%.1f", px(x), py(s.values[i] or 0)) end
    local c = COLORS[(j - 1) % #COLORS + 1]
    out[#out + 1] = string.format('<polyline class="line" fill="none" stroke="%s" stroke-width="2" points="%s"/>', c, table.concat(pts, " "))
    for i, x in ipairs(xs) do
      out[#out + 1] = string.format('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"><title>%s at %s: %s</title></circle>', px(x), py(s.values[i] or 0), c, esc(s.name), baseline.fmt(x), baseline.fmt(s.values[i] or 0))
    end
  end
  out[#out + 1] = legend(series, L, H - 20)
  out[#out + 1] = "</svg>"
  return table.concat(out, "\n")
end

local function pkey(pt) return "p" .. require("omni.bench.result").pword(pt.percentiles[#pt.percentiles] or 99) end

--- Markdown: one row per point and baseline metric.
---@param runs table[] {test, point, result?, rows, status, message}
---@return string
function M.markdown(runs)
  local L = { "# omnilua perf report", "", "| test | point | metric | baseline | measured | verdict |", "|---|---|---|---|---|---|" }
  for _, r in ipairs(runs) do
    local point = (r.point.mode == "conc" and "concurrency " or "rate ") .. r.point.key
    if #r.rows == 0 then
      L[#L + 1] = string.format("| %s | %s | - | - | - | %s |", r.test, point, r.status .. (r.message and (": " .. r.message:gsub("\n", " ")) or ""))
    end
    for _, row in ipairs(r.rows) do
      L[#L + 1] = string.format("| %s | %s | %s | %s %s | %s | %s |", r.test, point, row.metric, row.op, baseline.fmt(row.baseline), baseline.fmt(row.measured), row.verdict)
    end
  end
  return table.concat(L, "\n") .. "\n"
end

--- The HTML report.
---@param runs table[]
---@param meta {title?: string, file?: string}
---@return string html
function M.html(runs, meta)
  local by_test, order = {}, {}
  for _, r in ipairs(runs) do
    if not by_test[r.test] then by_test[r.test] = {} order[#order + 1] = r.test end
    table.insert(by_test[r.test], r)
  end
  local body = {}
  for _, name in ipairs(order) do
    local rs = by_test[name]
    body[#body + 1] = "<h2>" .. esc(name) .. "</h2>"
    local labels, xs, done = {}, {}, {}
    for _, r in ipairs(rs) do
      if r.result then
        done[#done + 1] = r
        labels[#labels + 1] = (r.point.mode == "conc" and "c=" or "qps=") .. r.point.key
        xs[#xs + 1] = r.point.mode == "conc" and r.point.params.max_concurrency or (r.result.request_rate == "inf" and 0 or r.result.request_rate)
      end
    end
    if #done > 0 then
      local pk = pkey(done[1].point)
      for _, m in ipairs({ "ttft", "itl", "e2el" }) do
        if done[1].result["mean_" .. m .. "_ms"] then
          local mean, med, pp = {}, {}, {}
          for i, r in ipairs(done) do
            mean[i] = r.result["mean_" .. m .. "_ms"] or 0
            med[i] = r.result["median_" .. m .. "_ms"] or 0
            pp[i] = r.result[pk .. "_" .. m .. "_ms"] or 0
          end
          body[#body + 1] = M.bars(m:upper() .. " percentiles per point", labels,
            { { name = "mean", values = mean }, { name = "median", values = med }, { name = pk, values = pp } }, "ms")
        end
      end
      local rt, ot = {}, {}
      for i, r in ipairs(done) do rt[i] = r.result.request_throughput or 0 ot[i] = r.result.output_throughput or 0 end
      local xl = done[1].point.mode == "conc" and "max concurrency" or "request rate (req/s; inf shown at 0)"
      body[#body + 1] = M.lines("Throughput against " .. (done[1].point.mode == "conc" and "concurrency" or "rate"), xs,
        { { name = "req/s", values = rt }, { name = "output tok/s", values = ot } }, xl)
      if done[1].result.mean_audio_rtf then
        local mean, pp = {}, {}
        for i, r in ipairs(done) do mean[i] = r.result.mean_audio_rtf or 0 pp[i] = r.result[pk .. "_audio_rtf"] or 0 end
        body[#body + 1] = M.bars("Audio RTF per point", labels, { { name = "mean", values = mean }, { name = pk, values = pp } }, "RTF")
      end
    end
    body[#body + 1] = "<table><tr><th>point</th><th>metric</th><th>baseline</th><th>measured</th><th>verdict</th></tr>"
    for _, r in ipairs(rs) do
      local point = (r.point.mode == "conc" and "concurrency " or "rate ") .. esc(r.point.key)
      if #r.rows == 0 then
        body[#body + 1] = string.format('<tr><td>%s</td><td colspan="3">%s</td><td class="%s">%s</td></tr>', point, esc(r.message or ""), r.status == "passed" and "pass" or "fail", esc(r.status))
      end
      for _, row in ipairs(r.rows) do
        body[#body + 1] = string.format('<tr><td>%s</td><td>%s</td><td>%s %s</td><td>%s</td><td class="%s">%s</td></tr>', point, esc(row.metric), row.op,
          baseline.fmt(row.baseline), baseline.fmt(row.measured), row.verdict == "PASS" and "pass" or "fail", row.verdict)
      end
    end
    body[#body + 1] = "</table>"
  end
  return table.concat({ "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
    "<title>" .. esc(meta.title or "omnilua perf report") .. "</title>",
    "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}" ..
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}" ..
    ".pass{color:#1a7f37}.fail{color:#c62828;font-weight:bold}svg.chart{margin:0.5em 1em 0.5em 0;background:#fff}</style>",
    "</head><body>", "<h1>" .. esc(meta.title or "omnilua perf report") .. "</h1>",
    "<p>" .. esc(meta.file or "") .. " &middot; " .. os.date("!%Y-%m-%d %H:%M:%S UTC") .. "</p>",
    table.concat(body, "\n"), "</body></html>" }, "\n")
end

return M
