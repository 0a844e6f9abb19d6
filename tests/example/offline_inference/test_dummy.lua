-- L4 doc test: runs the examples of docs/examples/offline_inference.md (the dummy
-- model) and checks each block's output against what the page says
-- (conventions: tests/example/doctest.lua, docs/examples/README.md).
local omni = require "omni"

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local doctest = dofile(HERE .. "/../doctest.lua")

omni.test("doc_examples_offline_inference_001", {
  doc = [[
    Every example of docs/examples/offline_inference.md runs as written and prints what
    the page shows.
    Deploy Setting: the page's own (dummy model, started by the examples)
    Input Modal: as each example sends (text, image, audio, video)
    Output Modal: as each example asks (text, audio)
    Input Setting: as each example (CLI and Lua, stream and not)
    Datasets: the page's code blocks ]],
  timeout = 180,
}, function(tmp_path)
  local page = HERE .. "/../../../docs/examples/offline_inference.md"
  local port = require("omni.server").free_port()
  local n = doctest.check(page, tmp_path, { port = port, timeout = 120 })
  assert(n >= 4, "the page should have at least 4 runnable examples, found " .. n)
end)
