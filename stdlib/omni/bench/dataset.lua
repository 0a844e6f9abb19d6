--- omni.bench.dataset: the `random` dataset of `vllm bench serve`: for each
--- request an input length and an output length drawn uniformly from
--- [floor(L(1-r)), ceil(L(1+r))] (output at least 1), and a prompt of that
--- many words. With no tokenizer, one word stands for one token (the dummy
--- server counts prompt tokens the same way). Seeded: the same seed gives the
--- same prompts.
---
--- ```lua
--- local reqs = dataset.random{ num_prompts = 10, input_len = 32, output_len = 16, range_ratio = 0.5, seed = 0 }
--- -- reqs[i] = { prompt = "...", prompt_len = 31, output_len = 17 }
--- ```
local M = {}

-- A fixed vocabulary: prompts are (offset + i + k) mod #VOCAB, as the
-- reference walks token ids.
local VOCAB = {}
for w in ([[the of and to in is was for on are with as at be this have from or one had by word but
not what all were we when your can said there use an each which she do how their if will up other about
out many then them these so some her would make like him into time has look two more write go see number
no way could people my than first water been call who oil its now find long down day did get come made may
part over new sound take only little work know place year live me back give most very after thing our just
name good sentence man think say great where help through much before line right too mean old any same tell
boy follow came want show also around form three small set put end does another well large must big even
such because turn here why ask went men read need land different home us move try kind hand picture again
change off play spell air away animal house point page letter mother answer found study still learn should]]):gmatch("%a+") do
  VOCAB[#VOCAB + 1] = w
end

---@class omni.bench.DatasetOptions
---@field num_prompts integer
---@field input_len integer
---@field output_len integer
---@field range_ratio? number in [0, 1)
---@field prefix_len? integer words shared by every prompt
---@field seed? integer

---@param o omni.bench.DatasetOptions
---@return {prompt: string, prompt_len: integer, output_len: integer}[]
function M.random(o)
  local r = o.range_ratio or 0
  if r < 0 or r >= 1 then error("random_range_ratio must be in [0, 1), got " .. tostring(r), 2) end
  if o.input_len < 0 or o.output_len < 1 then error("random input length must be >= 0 and output length >= 1", 2) end
  math.randomseed(o.seed or 0)
  local rng = math.random
  local prefix_len = o.prefix_len or 0
  local prefix = {}
  for k = 1, prefix_len do prefix[k] = VOCAB[rng(#VOCAB)] end
  local in_lo, in_hi = math.floor(o.input_len * (1 - r)), math.ceil(o.input_len * (1 + r))
  local out_lo, out_hi = math.max(1, math.floor(o.output_len * (1 - r))), math.max(1, math.ceil(o.output_len * (1 + r)))
  local out = {}
  for i = 1, o.num_prompts do
    local n = rng(in_lo, in_hi)
    local words = { table.unpack(prefix) }
    local offset = rng(0, #VOCAB - 1)
    for k = 0, n - 1 do words[#words + 1] = VOCAB[(offset + i + k) % #VOCAB + 1] end
    out[i] = { prompt = table.concat(words, " "), prompt_len = prefix_len + n, output_len = rng(out_lo, out_hi) }
  end
  return out
end

return M
