-- The GPU module's tests: those on the fake CUDA runtime (fake_cudart.c)
-- carry `cpu` themselves and are L1 unit tests; gpu_real_device carries
-- `gpu` and needs a real device. So the folder adds only core_model: a
-- folder-wide `cpu` would give that one both cpu and gpu.
require("omni").marks{ "core_model" }
