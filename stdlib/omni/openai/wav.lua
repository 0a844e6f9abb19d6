--- Audio pieces of an omni answer -> one WAV. The reference engine streams
--- audio as a series of complete WAV files (each base64, optionally behind a
--- "data:...;base64," prefix); the reference client decodes every piece and
--- joins the samples. This does the same without resampling: pieces must
--- share channels, rate and sample format.
local media = require "omni.media"

local M = {}

--- Strips an optional data-URL prefix (anything up to the first comma) and
--- decodes strict base64.
---@param s string
---@return string? bytes, string? why
function M.unbase64(s)
  if type(s) ~= "string" then return nil, "not a string (" .. type(s) .. ")" end
  local comma = s:find(",", 1, true)
  if comma then s = s:sub(comma + 1) end
  if s == "" then return nil, "empty audio data" end
  return media.base64_decode(s)
end

local function format_code(info) return info.format == "float" and 3 or 1 end

--- Decodes each base64 piece and joins them.
---@param pieces string[] base64 (or data URL) WAV files
---@return {bytes: string, duration: number, info: omni.WavInfo}? joined
---@return string? why names the piece (1-based) that is bad
---@return integer? bad_piece
function M.join(pieces)
  local infos, datas = {}, {}
  for i, p in ipairs(pieces) do
    local bytes, why = M.unbase64(p)
    if not bytes then return nil, string.format("audio piece %d is not valid base64: %s", i, why), i end
    local info, werr = media.decode_wav(bytes)
    if not info then return nil, string.format("audio piece %d is not a valid WAV: %s", i, werr), i end
    local first = infos[1]
    if first and (info.channels ~= first.channels or info.sample_rate ~= first.sample_rate
        or info.bits ~= first.bits or info.format ~= first.format) then
      return nil, string.format("audio piece %d is %d ch %d Hz %d-bit, piece 1 was %d ch %d Hz %d-bit",
        i, info.channels, info.sample_rate, info.bits, first.channels, first.sample_rate, first.bits), i
    end
    infos[i] = info
    datas[i] = bytes:sub(info.data_offset + 1, info.data_offset + info.data_size)
    if #pieces == 1 then
      return { bytes = bytes, duration = info.duration, info = info }
    end
  end
  if #infos == 0 then return nil, "no audio" end
  local f = infos[1]
  local data = table.concat(datas)
  local block = f.channels * (f.bits // 8)
  local header = string.pack("<c4I4c4c4I4I2I2I4I4I2I2c4I4", "RIFF", 36 + #data, "WAVE", "fmt ", 16,
    format_code(f), f.channels, f.sample_rate, f.sample_rate * block, block, f.bits, "data", #data)
  local bytes = header .. data
  local info, why = media.decode_wav(bytes)
  if not info then return nil, "joined audio is not a valid WAV: " .. tostring(why) end
  return { bytes = bytes, duration = info.duration, info = info }
end

return M
