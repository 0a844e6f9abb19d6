--- Text helpers shared by the reporters: valid UTF-8, XML 1.0 escaping,
--- pytest's count wording and duration format.
local M = {}

--- s with every byte that is not part of a valid UTF-8 sequence replaced by
--- U+FFFD, so JSON and XML consumers can read it.
---@param s string
---@return string
function M.clean_utf8(s)
  if utf8.len(s) then return s end
  local out, i = {}, 1
  while i <= #s do
    local ok, bad = utf8.len(s, i)
    if ok then
      out[#out + 1] = s:sub(i)
      break
    end
    out[#out + 1] = s:sub(i, bad - 1)
    out[#out + 1] = "\239\191\189"
    i = bad + 1
  end
  return table.concat(out)
end

local xml_entities = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }

--- Text safe inside an XML 1.0 element or double-quoted attribute:
--- characters XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE, U+FFFF,
--- invalid UTF-8) are dropped or replaced, markup characters escaped.
---@param s any
---@param attr? boolean also escape newlines (attribute values)
---@return string
function M.xml(s, attr)
  s = M.clean_utf8(tostring(s))
  s = s:gsub("[%z\1-\8\11\12\14-\31]", ""):gsub("\239\191[\190\191]", "")
  s = s:gsub('[&<>"]', xml_entities)
  if attr then s = s:gsub("\n", "&#10;"):gsub("\r", "&#13;"):gsub("\t", "&#9;") end
  return s
end

--- The order pytest's closing line uses; unknown categories follow it.
M.COUNT_ORDER = { "failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "error",
  "notrun", "flaky" }

local NOUNS = { notrun = "not run" }

--- "3 failed, 10 passed, 1 skipped, 2 errors" (zero counts omitted), or
--- nil when nothing counts.
---@param counts table<string, integer>
---@return string?
function M.counts_line(counts)
  local parts = {}
  for _, key in ipairs(M.COUNT_ORDER) do
    local n = counts[key] or 0
    if n > 0 then
      local noun = NOUNS[key] or key
      if key == "error" and n ~= 1 then noun = "errors" end
      parts[#parts + 1] = string.format("%d %s", n, noun)
    end
  end
  if #parts == 0 then return nil end
  return table.concat(parts, ", ")
end

--- pytest's duration: "0.12s", and from a minute on "75.30s (0:01:15)".
---@param seconds number
---@return string
function M.duration(seconds)
  seconds = seconds or 0
  local s = string.format("%.2fs", seconds)
  if seconds >= 60 then
    local whole = math.floor(seconds)
    s = s .. string.format(" (%d:%02d:%02d)", whole // 3600, whole % 3600 // 60, whole % 60)
  end
  return s
end

return M
