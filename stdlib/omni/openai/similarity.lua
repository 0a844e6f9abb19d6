--- Text similarity of the reference client (text answer vs. audio
--- transcript): normalise (lower case, number words zero..ten to digits,
--- punctuation dropped, spaces collapsed), then the cosine of the two
--- strings' character-trigram counts.
local M = {}

local NUMBERS = { zero = "0", one = "1", two = "2", three = "3", four = "4", five = "5", six = "6",
  seven = "7", eight = "8", nine = "9", ten = "10" }

---@param s string
---@return string
function M.normalize(s)
  s = s:lower():gsub("%a+", NUMBERS)
  s = s:gsub("[%p]", "")
  s = s:gsub("%s+", " ")
  return (s:gsub("^ ", ""):gsub(" $", ""))
end

local function trigrams(s)
  local counts = {}
  for i = 1, #s - 2 do
    local g = s:sub(i, i + 2)
    counts[g] = (counts[g] or 0) + 1
  end
  return counts
end

--- Cosine similarity in [0, 1]; 1 for two equal strings (even short ones).
---@param a string
---@param b string
---@return number
function M.cosine(a, b)
  a, b = M.normalize(a), M.normalize(b)
  if a == b then return 1 end
  local ta, tb = trigrams(a), trigrams(b)
  local dot, na, nb = 0, 0, 0
  for g, n in pairs(ta) do
    na = na + n * n
    if tb[g] then dot = dot + n * tb[g] end
  end
  for _, n in pairs(tb) do nb = nb + n * n end
  if na == 0 or nb == 0 then return 0 end
  return dot / math.sqrt(na * nb)
end

return M
