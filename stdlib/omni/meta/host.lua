---@meta omni.core.host
--- omni.core.host (bindings/host.c): where omnilua is installed and what it
--- is. `root` is the folder holding stdlib/, scripts/ and stage_configs/
--- (found next to the binary, in ../share/omnilua, or from $OMNILUA_PATH);
--- `exe` is the running binary, to start omnilua again (workers,
--- `serve-dummy`, a test of the CLI).
---
--- ```lua
--- local host = require "omni.core.host"
--- local proc = require "omni.proc"
--- local r = proc.run({ host.exe, "help" }, { timeout = 10 })
--- print(host.version, host.root, r.code)
--- ```
---@class omni.core.host
---@field root string absolute path of the folder holding stdlib/
---@field exe string absolute path of the omnilua binary
---@field version string e.g. "0.1.0"
---@field built_with_cuda boolean whether omni.gpu was built with the CUDA runtime headers
local M = {}

return M
