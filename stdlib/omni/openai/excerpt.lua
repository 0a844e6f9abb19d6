--- Short, readable excerpts of server answers for failure messages: long
--- base64 runs (audio, images) are replaced by their length, text is cut.
local M = {}

--- Replaces runs of 120+ base64 characters by "<N base64 chars>".
---@param s string
---@return string
function M.blobs(s)
  return (tostring(s):gsub("[%w+/=]+", function(run)
    if #run >= 120 then return "<" .. #run .. " base64 chars>" end
  end))
end

--- Cuts s to at most n characters (default 300), saying how much was left out.
---@param s any
---@param n? integer
---@return string
function M.trim(s, n)
  n = n or 300
  s = M.blobs(tostring(s))
  if #s <= n then return s end
  return s:sub(1, n) .. string.format("... (%d more bytes)", #s - n)
end

--- A quoted, trimmed string for messages.
---@param s any
---@param n? integer
---@return string
function M.quote(s, n)
  if s == nil then return "(none)" end
  return string.format("%q", M.trim(s, n)):gsub("\\\n", "\\n")
end

return M
