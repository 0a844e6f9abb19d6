--- omni.gpu: GPUs through the CUDA runtime (loaded at run time, so omnilua
--- runs on machines without CUDA). With no usable GPU every function returns
--- `nil, "no usable GPU: <reason>", "ENOGPU"` (available() returns false and
--- the reason). Device indices are CUDA's: 0-based, as in nvidia-smi.
---
--- ```lua
--- local gpu = require "omni.gpu"
--- local ok, why = gpu.available()
--- if not ok then omni.skip(why) end
--- for _, d in ipairs(gpu.devices()) do print(d.index, d.name, d.used_bytes) end
--- local s = assert(gpu.sampler{ interval = 1 }); s:start()
--- local hog <close> = assert(gpu.hog{ fraction = 0.5, device = 0, seconds = 30 })
--- ...; s:stop(); local series = s:samples()
--- ```
--- The first call on a device creates a CUDA context in omnilua, which itself
--- uses some device memory; "used" counts every process on the device.
local core = require "omni.core.gpu"

local M = {}

--- True when CMake found the CUDA headers (else every call says "built without CUDA").
M.built_with_cuda = core.built_with_cuda

--- Whether a GPU is usable, and if not, why.
---@return boolean ok
---@return string? reason "no usable GPU: <reason>"
function M.available() return core.available() end

---@class omni.gpu.Device
---@field index integer CUDA device index (0-based)
---@field name string
---@field total_bytes integer
---@field free_bytes integer
---@field used_bytes integer total - free, all processes

--- Every device with its name and memory.
---@return omni.gpu.Device[]? devices
---@return string? err
---@return string? code "ENOGPU" | "ECUDA"
function M.devices() return core.devices() end

--- Memory of one device, in bytes.
---@param index integer CUDA device index (0-based)
---@return {total: integer, free: integer, used: integer}? memory
---@return string? err
---@return string? code "ENOGPU" | "ENODEV" | "ECUDA"
function M.memory(index)
  if math.type(index) ~= "integer" then
    error("bad argument #1 to 'memory' (integer device index expected, got " .. type(index) .. ")", 2)
  end
  return core.memory(index)
end

--- Driver and runtime versions (CUDA's encoding: 13000 is 13.0) and the library path.
---@return {driver: integer, runtime: integer, library: string}? versions
---@return string? err
function M.versions() return core.versions() end

---@class omni.gpu.Sampler
---@field interval number seconds between samples
local Sampler = {}
Sampler.__index = Sampler

--- A sampler of the memory in use on every device, on a background thread.
--- It starts with :start(); each sample is `{ t_ns = <monotonic ns>,
--- used_bytes = { <device 0>, <device 1>, ... } }` (a Lua list: position i is
--- device i-1). Close it (or let `<close>`/GC do it) to join the thread.
---@param opts {interval: number}
---@return omni.gpu.Sampler? sampler
---@return string? err
---@return string? code
function M.sampler(opts)
  if type(opts) ~= "table" or type(opts.interval) ~= "number" or opts.interval <= 0 then
    error("bad argument #1 to 'sampler' ({interval = seconds > 0} expected)", 2)
  end
  local ok, why = core.available()
  if not ok then return nil, why, "ENOGPU" end
  return setmetatable({ interval = opts.interval }, Sampler)
end

--- Starts sampling (one sample now, then one per interval).
---@return omni.gpu.Sampler? self
---@return string? err
---@return string? code
function Sampler:start()
  if self._core or self._ran then error("sampler already started; make a new one", 2) end
  local s, err, code = core.sampler(self.interval)
  if not s then return nil, err, code end
  self._core, self._ran = s, true
  return self
end

--- Stops sampling; the samples stay readable.
function Sampler:stop()
  if self._core then self._core:stop() end
end

--- The samples from the `first`-th on (1-based, default 1).
---@param first? integer
---@return {t_ns: integer, used_bytes: integer[]}[]
function Sampler:samples(first)
  if not self._core then return {} end
  return self._core:samples(first)
end

--- Number of samples so far.
---@return integer
function Sampler:count() return self._core and self._core:count() or 0 end

--- The CUDA error that ended sampling early, or nil.
---@return string?
function Sampler:error() return self._core and self._core:error() or nil end

--- Stops and frees the samples; harmless twice.
function Sampler:close()
  if self._core then self._core:close() end
  self._core = nil
end
Sampler.__close = Sampler.close

---@class omni.gpu.Hog
---@field bytes integer
---@field device integer
---@field held fun(self): boolean true while the memory is held
---@field release fun(self) frees the memory now; harmless twice (also `<close>` and GC)

--- Takes device memory with cudaMalloc and holds it until :release(), GC,
--- `<close>`, or `seconds` elapse (a preemption fault). Give `bytes`, or
--- `fraction` of the device's free memory.
---@param opts {bytes: integer?, fraction: number?, device: integer?, seconds: number?}
---@return omni.gpu.Hog? hog
---@return string? err "cannot hold N bytes on GPU d: cudaMalloc: out of memory (error 2)"
---@return string? code "ENOGPU" | "ENODEV" | "ENOMEM" | "ECUDA"
function M.hog(opts)
  if type(opts) ~= "table" then error("bad argument #1 to 'hog' (table expected, got " .. type(opts) .. ")", 2) end
  local device = opts.device or 0
  if math.type(device) ~= "integer" or device < 0 then error("hog: device must be an integer >= 0", 2) end
  local seconds = opts.seconds or 0
  if type(seconds) ~= "number" or seconds < 0 then error("hog: seconds must be a number >= 0", 2) end
  local bytes = opts.bytes
  if bytes ~= nil and opts.fraction ~= nil then error("hog: give bytes or fraction, not both", 2) end
  if opts.fraction ~= nil then
    local f = opts.fraction
    if type(f) ~= "number" or f <= 0 or f > 1 then error("hog: fraction must be in (0, 1]", 2) end
    local mem, err, code = core.memory(device)
    if not mem then return nil, err, code end
    bytes = math.max(1, math.floor(mem.free * f))
  elseif math.type(bytes) ~= "integer" or bytes <= 0 then
    error("hog: bytes must be an integer > 0 (or give fraction)", 2)
  end
  return core.hog(device, bytes, seconds)
end

--- For tests only: load the CUDA runtime from `path` (nil: the normal search)
--- on next use. Fails with "EBUSY" while a hog or sampler is alive.
---@param path string?
---@return boolean? ok
---@return string? err
function M._use_runtime(path) return core._use_runtime(path) end

return M
