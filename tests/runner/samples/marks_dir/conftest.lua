-- Registers a mark and a fixture for the files in this folder.
local omni = require "omni"
omni.register_mark("custom_mark", "a mark registered by a sample conftest")
omni.fixture("from_conftest", { scope = "module" }, function() coroutine.yield("conf") end)
