/* Device count, names, memory and versions: one CUDA call each, every
 * return code checked, each call holding a runtime reference. */
#include "gpu.h"
#include "gpu_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int memory_locked(const gpu_runtime *rt, int index, uint64_t *total, uint64_t *free_bytes,
                         char *why, size_t len, const char **code) {
  if (gpu_runtime_select(rt, index, why, len, code) != 0)
    return -1;
  size_t f = 0, t = 0;
  int err = rt->mem_get_info(&f, &t);
  if (err != 0) {
    gpu_runtime_error(rt, "cudaMemGetInfo", err, why, len);
    gpu_set_code(code, "ECUDA");
    return -1;
  }
  *total = t;
  *free_bytes = f;
  return 0;
}

int gpu_device_count(int *count, char *why, size_t len, const char **code) {
  const gpu_runtime *rt = gpu_runtime_acquire(why, len, code);
  if (!rt)
    return -1;
  *count = rt->device_count;
  gpu_runtime_release();
  return 0;
}

int gpu_memory(int index, uint64_t *total, uint64_t *free_bytes, char *why, size_t len,
               const char **code) {
  const gpu_runtime *rt = gpu_runtime_acquire(why, len, code);
  if (!rt)
    return -1;
  int rc = memory_locked(rt, index, total, free_bytes, why, len, code);
  gpu_runtime_release();
  return rc;
}

int gpu_device_info_get(int index, gpu_device_info *out, char *why, size_t len, const char **code) {
  const gpu_runtime *rt = gpu_runtime_acquire(why, len, code);
  if (!rt)
    return -1;
  memset(out, 0, sizeof *out);
  out->index = index;
  int rc = memory_locked(rt, index, &out->total_bytes, &out->free_bytes, why, len, code);
  if (rc == 0) {
    out->used_bytes = out->total_bytes - out->free_bytes;
    /* cudaDeviceProp grows with every CUDA release and a newer libcudart may
     * write a larger one than any header describes: give it ample room. */
    enum { PROP_ROOM = 64 * 1024 };
    char *prop = calloc(1, PROP_ROOM);
    if (!prop) {
      snprintf(why, len, "out of host memory");
      gpu_set_code(code, "ENOMEM");
      rc = -1;
    } else {
      int err = rt->get_device_properties(prop, index);
      if (err != 0) {
        gpu_runtime_error(rt, "cudaGetDeviceProperties", err, why, len);
        gpu_set_code(code, "ECUDA");
        rc = -1;
      } else {
        memcpy(out->name, prop, GPU_NAME_LEN - 1);
        out->name[GPU_NAME_LEN - 1] = 0;
      }
      free(prop);
    }
  }
  gpu_runtime_release();
  return rc;
}

int gpu_versions(int *driver, int *runtime, char *why, size_t len, const char **code) {
  const gpu_runtime *rt = gpu_runtime_acquire(why, len, code);
  if (!rt)
    return -1;
  int rc = 0, err;
  *driver = *runtime = 0;
  if (rt->driver_get_version && (err = rt->driver_get_version(driver)) != 0) {
    gpu_runtime_error(rt, "cudaDriverGetVersion", err, why, len);
    rc = -1;
  } else if (rt->runtime_get_version && (err = rt->runtime_get_version(runtime)) != 0) {
    gpu_runtime_error(rt, "cudaRuntimeGetVersion", err, why, len);
    rc = -1;
  }
  if (rc != 0)
    gpu_set_code(code, "ECUDA");
  gpu_runtime_release();
  return rc;
}
