-- omni.gpu against fake CUDA runtimes (tests/gpu/fake_cudart.c, built next
-- to the omnilua binary) so that both the no-GPU reasons and the happy paths
-- run on any machine, and against the real GPU where there is one.
local omni = require "omni"
local assert = require "omni.assert"
local outcome = require "omni.outcome"
local gpu = require "omni.gpu"
local fs = require "omni.core.fs"
local host = require "omni.core.host"
local clock = require "omni.core.clock"

local GIB = 1024 * 1024 * 1024
local build_dir = host.exe:match("^(.*)/[^/]*$") or "."

local function fake(variant)
  local path = build_dir .. "/libomni_fake_cudart_" .. variant .. ".so"
  if not gpu.built_with_cuda then outcome.skip("built without CUDA: the fake runtimes are not loaded") end
  if not fs.stat(path) then outcome.skip("fake CUDA runtime not built: " .. path) end
  return path
end

-- Runs fn with omni.gpu loading `variant`, and puts the normal runtime back.
local function with_fake(variant, fn)
  local path = fake(variant)
  assert.truthy(gpu._use_runtime(path))
  local ok, err = pcall(fn)
  collectgarbage() -- hogs or samplers a failed test dropped
  collectgarbage()
  local restored, why = gpu._use_runtime(nil)
  if not ok then error(err, 0) end
  assert.truthy(restored, why)
end

local function threads() return #fs.list("/proc/self/task") end
local helpers = dofile((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/../helpers.lua")


omni.test("gpu_no_device_reason", { marks = { "cpu" } }, function()
  with_fake("nodevice", function()
    local ok, why = gpu.available()
    assert.equal(ok, false)
    assert.equal(why, "no usable GPU: cudaGetDeviceCount: no CUDA-capable device is detected (error 100)")
    for name, call in pairs {
      devices = function() return gpu.devices() end,
      memory = function() return gpu.memory(0) end,
      versions = function() return gpu.versions() end,
      sampler = function() return gpu.sampler { interval = 1 } end,
      hog = function() return gpu.hog { bytes = 1024 } end,
      hog_fraction = function() return gpu.hog { fraction = 0.5 } end,
    } do
      local v, err, code = call()
      assert.is_nil(v, name)
      assert.equal(err, why, name)
      assert.equal(code, "ENOGPU", name)
    end
  end)
end)

omni.test("gpu_zero_devices_reason", { marks = { "cpu" } }, function()
  with_fake("zero", function()
    local ok, why = gpu.available()
    assert.equal(ok, false)
    assert.match(why, "^no usable GPU: no CUDA devices %(libcudart .*zero%.so%)$")
  end)
end)

omni.test("gpu_library_missing_or_incomplete", { marks = { "cpu" } }, function()
  fake("onegpu") -- skips in a build without CUDA
  assert.truthy(gpu._use_runtime("/nonexistent/libcudart.so"))
  local ok, why = gpu.available()
  assert.truthy(gpu._use_runtime(nil))
  assert.equal(ok, false)
  assert.match(why, "^no usable GPU: cannot load libcudart from /nonexistent/libcudart%.so: ")
  with_fake("nomalloc", function()
    local _, why2 = gpu.available()
    assert.match(why2, "^no usable GPU: libcudart at .*nomalloc%.so lacks cudaMalloc$")
  end)
end)

omni.test("gpu_devices_and_memory", { marks = { "cpu" } }, function()
  with_fake("onegpu", function()
    assert.equal(gpu.available(), true)
    local devs = gpu.devices()
    assert.not_nil(devs)
    assert.same(devs, { { index = 0, name = "Fake GPU 0", total_bytes = 16 * GIB,
      free_bytes = 15 * GIB, used_bytes = 1 * GIB } })
    assert.same(gpu.memory(0), { total = 16 * GIB, free = 15 * GIB, used = 1 * GIB })
    local v, err, code = gpu.memory(1)
    assert.is_nil(v)
    assert.equal(err, "no GPU device 1 (1 device: 0..0)")
    assert.equal(code, "ENODEV")
    assert.raises(function() gpu.memory("0") end, "integer device index expected")
    local ver = gpu.versions()
    assert.not_nil(ver)
    assert.equal(ver.driver, 13000)
    assert.match(ver.library, "onegpu%.so$")
  end)
end)

omni.test("gpu_hog_holds_and_releases", { marks = { "cpu" } }, function()
  with_fake("onegpu", function()
    local before = threads()
    local h = gpu.hog { bytes = 2 * GIB }
    assert.not_nil(h)
    assert.equal(h.bytes, 2 * GIB)
    assert.equal(h.device, 0)
    assert.equal(h:held(), true)
    assert.equal(gpu.memory(0).used, 3 * GIB)
    assert.equal(threads(), before + 1, "the hog's thread")
    h:release()
    assert.equal(h:held(), false)
    assert.equal(gpu.memory(0).used, 1 * GIB)
    h:release() -- harmless twice
    assert.equal(helpers.settled(threads, before), before, "no thread left after release")

    do
      local h2 <close> = gpu.hog { fraction = 0.5 }
      assert.not_nil(h2)
      assert.equal(h2.bytes, math.floor(15 * GIB * 0.5))
      assert.equal(gpu.memory(0).used, 1 * GIB + h2.bytes)
    end
    assert.equal(gpu.memory(0).used, 1 * GIB, "<close> released")

    gpu.hog { bytes = GIB } -- dropped at once: the GC must free it
    collectgarbage(); collectgarbage()
    assert.equal(gpu.memory(0).used, 1 * GIB, "__gc released")
  end)
end)

omni.test("gpu_hog_expires_after_seconds", { marks = { "cpu" } }, function()
  with_fake("onegpu", function()
    local h <close> = gpu.hog { bytes = GIB, seconds = 0.2 }
    assert.not_nil(h)
    assert.equal(gpu.memory(0).used, 2 * GIB)
    local deadline = clock.now_ns() + 3e9
    while h:held() and clock.now_ns() < deadline do clock.sleep(0.02) end
    assert.equal(h:held(), false, "released when its time was up")
    assert.equal(gpu.memory(0).used, 1 * GIB)
  end)
end)

omni.test("gpu_hog_errors", { marks = { "cpu" } }, function()
  with_fake("onegpu", function()
    local v, err, code = gpu.hog { bytes = 100 * GIB }
    assert.is_nil(v)
    assert.equal(err, "cannot hold 107374182400 bytes on GPU 0: cudaMalloc: out of memory (error 2)")
    assert.equal(code, "ENOMEM")
    v, err, code = gpu.hog { bytes = 1, device = 3 }
    assert.is_nil(v)
    assert.equal(code, "ENODEV")
    assert.equal(gpu.memory(0).used, 1 * GIB, "nothing held after failures")
    assert.raises(function() gpu.hog {} end, "bytes must be an integer > 0")
    assert.raises(function() gpu.hog { bytes = 1, fraction = 0.5 } end, "not both")
    assert.raises(function() gpu.hog { fraction = 2 } end, "fraction must be in")
    assert.raises(function() gpu.hog(5) end, "table expected")
  end)
end)

omni.test("gpu_sampler_follows_memory", { marks = { "cpu" } }, function()
  with_fake("onegpu", function()
    local before = threads()
    local s <close> = gpu.sampler { interval = 0.02 }
    assert.not_nil(s)
    assert.equal(s:count(), 0)
    assert.truthy(s:start())
    assert.raises(function() s:start() end, "already started")
    clock.sleep(0.1)
    local hog = gpu.hog { bytes = 4 * GIB }
    assert.not_nil(hog)
    local busy, _, code = gpu._use_runtime(nil)
    assert.is_nil(busy)
    assert.equal(code, "EBUSY")
    clock.sleep(0.1)
    hog:release()
    clock.sleep(0.1)
    s:stop()
    local n = s:count()
    clock.sleep(0.05)
    assert.equal(s:count(), n, "no samples after stop")
    assert.equal(helpers.settled(threads, before), before, "sampler thread joined")
    local samples = s:samples()
    assert.equal(#samples, n)
    assert.truthy(n >= 6, "at least 6 samples in 0.3 s at 20 ms, got " .. n)
    local seen = {}
    for i, x in ipairs(samples) do
      assert.equal(#x.used_bytes, 1)
      seen[x.used_bytes[1]] = true
      if i > 1 then assert.truthy(x.t_ns > samples[i - 1].t_ns, "times increase") end
    end
    assert.truthy(seen[1 * GIB] and seen[5 * GIB], "saw the hog come and go")
    assert.equal(#s:samples(n), 1)
    assert.is_nil(s:error())
    s:close()
    s:close()
    assert.raises(function() gpu.sampler {} end, "interval")
  end)
end)

-- The real device, where there is one (the runner skips `gpu` tests
-- without a usable GPU; the skip below says why when run directly).
omni.test("gpu_real_device", { marks = { "gpu" } }, function()
  local ok, why = gpu.available()
  if not ok then outcome.skip(why) end
  local devs = gpu.devices()
  assert.not_nil(devs)
  assert.truthy(#devs >= 1)
  for _, d in ipairs(devs) do
    assert.truthy(#d.name > 0)
    assert.equal(d.used_bytes, d.total_bytes - d.free_bytes)
  end
  local s <close> = gpu.sampler { interval = 0.05 }
  assert.not_nil(s)
  assert.truthy(s:start())
  local before = gpu.memory(0).used
  local bytes = 256 * 1024 * 1024
  local h <close> = gpu.hog { bytes = bytes, seconds = 30 }
  assert.not_nil(h)
  local during = gpu.memory(0).used
  assert.truthy(during - before >= bytes, ("used grew by %d, expected >= %d"):format(during - before, bytes))
  h:release()
  clock.sleep(0.2)
  s:stop()
  assert.truthy(s:count() >= 2)
  assert.is_nil(s:error())
end)

omni.test("gpu_built_without_cuda_reason", { marks = { "cpu" } }, function()
  if gpu.built_with_cuda then omni.skip("built with CUDA (configure with -DOMNILUA_WITH_CUDA=OFF to test this)") end
  local ok, why = gpu.available()
  assert.equal(ok, false)
  assert.equal(why, "no usable GPU: built without CUDA (cuda_runtime_api.h not found by CMake)")
  local v, err, code = gpu.devices()
  assert.is_nil(v)
  assert.equal(err, why)
  assert.equal(code, "ENOGPU")
  v, err, code = gpu.hog { bytes = 1 }
  assert.equal(code, "ENOGPU")
end)

-- OMNILUA_CUDART picks the library in a fresh process (what a soak on a
-- machine with an unusual CUDA install does).
omni.test("gpu_cudart_environment_variable", { marks = { "cpu" } }, function()
  local lib = fake("onegpu")
  local script = os.tmpname()
  local f = assert.not_nil(io.open(script, "w"))
  f:write('local gpu = require "omni.gpu"\n',
    'local d = assert(gpu.devices())\n',
    'io.write(d[1].name, "|", d[1].total_bytes, "|", gpu.versions().library, "\\n")\n')
  f:close()
  local p = io.popen(("OMNILUA_CUDART='%s' '%s' lua '%s' 2>&1"):format(lib, host.exe, script))
  local out = p:read("a")
  p:close()
  os.remove(script)
  assert.equal(out, "Fake GPU 0|" .. 16 * GIB .. "|" .. lib .. "\n")
end)
