---@meta omni.core.gpu
--- omni.core.gpu (bindings/gpu.c): the CUDA runtime, loaded at run time.
--- Tests use omni.gpu (option tables, `fraction` for hogs). With no usable
--- GPU every call returns `nil, "no usable GPU: <reason>", "ENOGPU"`; other
--- codes are "ENODEV", "ENOMEM", "ECUDA", "EBUSY".
---
--- ```lua
--- local core = require "omni.core.gpu"
--- local ok, why = core.available()
--- if ok then print(core.devices()[1].name) else print(why) end
--- ```
local M = {}

--- True when CMake found the CUDA headers.
---@type boolean
M.built_with_cuda = false

--- Whether a GPU is usable, and if not, why.
---@return boolean ok
---@return string? reason "no usable GPU: <reason>"
function M.available() end

--- Every device with its name and memory.
---@return omni.gpu.Device[]? devices
---@return string? err
---@return string? code
function M.devices() end

--- Memory of one device (0-based CUDA index), in bytes.
---@param index integer
---@return {total: integer, free: integer, used: integer}? memory
---@return string? err
---@return string? code
function M.memory(index) end

--- Driver and runtime versions (13000 is 13.0) and the runtime library path.
---@return {driver: integer, runtime: integer, library: string}? versions
---@return string? err
---@return string? code
function M.versions() end

---@class omni.core.gpu.Sampler
local Sampler = {}

--- Starts a background thread sampling the memory in use on every device
--- every `interval` seconds (> 0).
---@param interval number
---@return omni.core.gpu.Sampler? sampler
---@return string? err
---@return string? code
function M.sampler(interval) end

--- Stops sampling; the samples stay readable.
function Sampler:stop() end

--- Number of samples so far.
---@return integer
function Sampler:count() end

--- The samples from the `first`-th on (1-based, default 1); `used_bytes[i]`
--- is device i-1.
---@param first? integer
---@return {t_ns: integer, used_bytes: integer[]}[]
function Sampler:samples(first) end

--- The CUDA error that ended sampling early, or nil.
---@return string?
function Sampler:error() end

--- Stops and frees the samples; harmless twice (also `<close>` and GC).
function Sampler:close() end

--- Holds `bytes` of device memory (cudaMalloc) for `seconds` (<= 0 or nil:
--- until released).
---@param device integer
---@param bytes integer
---@param seconds? number
---@return omni.gpu.Hog? hog
---@return string? err
---@return string? code
function M.hog(device, bytes, seconds) end

--- For omnilua's own tests: load the CUDA runtime from `path` (nil: the
--- normal search) on next use; "EBUSY" while a hog or sampler is alive.
---@param path? string
---@return true? ok
---@return string? err
---@return string? code
function M._use_runtime(path) end

return M
