-- The request bodies of omnilua bench: run.body_maker fills a template made
-- once (cheap per request), and must send exactly what run.body encodes.
local omni = require "omni"
local assert = require "omni.assert"
local cjson = require "cjson"
local run = require "omni.bench.run"
local dataset = require "omni.bench.dataset"

local points = {
  { backend = "openai-chat", model = "omni-dummy", stream = true, ignore_eos = true, modalities = { "text", "audio" } },
  { backend = "openai", model = 'a "quoted" model \226\156\147', stream = false },
  { backend = "openai-chat", model = "m", extra_body = { temperature = 0, seed = 3, nested = { top_k = 5 } } },
  -- a placeholder inside extra_body: the maker must notice and encode plainly
  { backend = "openai-chat", model = "m", extra_body = { note = "\1omnilua-prompt\1", n = 987654321 } },
}

omni.test("body_maker_sends_what_body_encodes", { params = { point = { 1, 2, 3, 4 } } }, function(point)
  local p = points[point]
  local data = dataset.random { num_prompts = 200, input_len = 16, output_len = 8, range_ratio = 0.5, seed = point }
  data[1].prompt = 'quotes " backslash \\ newline \n tab \t unicode \226\156\147 control \1'
  local make = run.body_maker(p)
  for i, q in ipairs(data) do
    assert.same(cjson.decode(make(q)), cjson.decode(run.body(p, q)), "request " .. i)
  end
end)
