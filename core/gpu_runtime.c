/*
 * Finds and loads libcudart with dlopen, once, under a mutex. The binary
 * never links CUDA, so it runs on machines without a driver; what is missing
 * becomes the reason "no usable GPU: <reason>" that omni.gpu reports.
 * OMNILUA_CUDART=<path> names the library to load (and only that one): tests
 * point it at a fake runtime, users at an unusual install.
 */
#include "gpu_runtime.h"
#include "gpu.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef OMNILUA_HAVE_CUDA
#include <cuda_runtime_api.h>
/* The int-returning pointer types of gpu_runtime must match CUDA's. */
_Static_assert(sizeof(cudaError_t) == sizeof(int), "cudaError_t is not int-sized");
#define SAME_PARAMS(fn, type)                                                                      \
  _Static_assert(__builtin_types_compatible_p(__typeof__(&fn), type), #fn " changed signature")
SAME_PARAMS(cudaGetDeviceCount, cudaError_t (*)(int *));
SAME_PARAMS(cudaMemGetInfo, cudaError_t (*)(size_t *, size_t *));
SAME_PARAMS(cudaSetDevice, cudaError_t (*)(int));
SAME_PARAMS(cudaMalloc, cudaError_t (*)(void **, size_t));
SAME_PARAMS(cudaFree, cudaError_t (*)(void *));
SAME_PARAMS(cudaGetErrorString, const char *(*)(cudaError_t));
SAME_PARAMS(cudaDriverGetVersion, cudaError_t (*)(int *));
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int loaded;        /* a load was attempted; result below */
static int users;         /* live references (hogs, samplers, calls in flight) */
static void *lib;         /* dlopen handle or NULL */
static gpu_runtime rt;    /* valid when usable */
static int usable;        /* 1: rt has >= 1 device */
static char reason[2048]; /* why not usable (room for two paths) */
static char lib_path[512];
static char forced_path[512]; /* gpu_use_runtime's path, "" for none */

void gpu_runtime_error(const gpu_runtime *r, const char *call, int err, char *why, size_t len) {
  const char *text = r && r->get_error_string ? r->get_error_string(err) : NULL;
  snprintf(why, len, "%s: %s (error %d)", call, text ? text : "unknown CUDA error", err);
}

int gpu_runtime_check_device(const gpu_runtime *r, int index, char *why, size_t len,
                             const char **code) {
  if (index >= 0 && index < r->device_count)
    return 0;
  snprintf(why, len, "no GPU device %d (%d device%s: 0..%d)", index, r->device_count,
           r->device_count == 1 ? "" : "s", r->device_count - 1);
  gpu_set_code(code, "ENODEV");
  return -1;
}

int gpu_runtime_select(const gpu_runtime *r, int index, char *why, size_t len, const char **code) {
  if (gpu_runtime_check_device(r, index, why, len, code) != 0)
    return -1;
  int err = r->set_device(index);
  if (err != 0) {
    gpu_runtime_error(r, "cudaSetDevice", err, why, len);
    gpu_set_code(code, "ECUDA");
    return -1;
  }
  return 0;
}

#ifdef OMNILUA_HAVE_CUDA
static void *open_library(void) {
  const char *env = forced_path[0] ? forced_path : getenv("OMNILUA_CUDART");
  if (env && env[0]) {
    void *h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
    if (!h)
      snprintf(reason, sizeof reason, "cannot load libcudart from %s: %s", env, dlerror());
    else
      snprintf(lib_path, sizeof lib_path, "%s", env);
    return h;
  }
  static const char *const names[] = {"libcudart.so", "libcudart.so.13", "libcudart.so.12",
                                      "libcudart.so.11", "/usr/local/cuda/lib64/libcudart.so"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (h) {
      snprintf(lib_path, sizeof lib_path, "%s", names[i]);
      return h;
    }
  }
  snprintf(reason, sizeof reason,
           "libcudart not found (tried libcudart.so, .so.13, .so.12, .so.11, "
           "/usr/local/cuda/lib64; set OMNILUA_CUDART to its path)");
  return NULL;
}

/* dlsym into a function pointer without the object/function pointer cast
 * that ISO C leaves undefined (POSIX guarantees the representation). */
static int resolve(void *fnptr, const char *name, int required) {
  void *sym = dlsym(lib, name);
  if (!sym && required) {
    snprintf(reason, sizeof reason, "libcudart at %s lacks %s", lib_path, name);
    return -1;
  }
  memcpy(fnptr, &sym, sizeof sym);
  return 0;
}

static void load_locked(void) {
  loaded = 1;
  usable = 0;
  memset(&rt, 0, sizeof rt);
  lib = open_library();
  if (!lib)
    return;
  /* CUDA 12 renamed the current cudaDeviceProp layout to _v2; the name is
   * the first field in every layout, which is all omni.gpu reads. */
  if (resolve(&rt.get_device_properties, "cudaGetDeviceProperties_v2", 0) == 0 &&
      !rt.get_device_properties &&
      resolve(&rt.get_device_properties, "cudaGetDeviceProperties", 1) != 0)
    return;
  if (resolve(&rt.get_device_count, "cudaGetDeviceCount", 1) ||
      resolve(&rt.mem_get_info, "cudaMemGetInfo", 1) ||
      resolve(&rt.set_device, "cudaSetDevice", 1) || resolve(&rt.malloc_, "cudaMalloc", 1) ||
      resolve(&rt.free_, "cudaFree", 1) || resolve(&rt.get_error_string, "cudaGetErrorString", 1) ||
      resolve(&rt.driver_get_version, "cudaDriverGetVersion", 0) ||
      resolve(&rt.runtime_get_version, "cudaRuntimeGetVersion", 0))
    return;
  int count = 0;
  int err = rt.get_device_count(&count);
  if (err != 0) {
    gpu_runtime_error(&rt, "cudaGetDeviceCount", err, reason, sizeof reason);
    return;
  }
  if (count <= 0) {
    snprintf(reason, sizeof reason, "no CUDA devices (libcudart %s)", lib_path);
    return;
  }
  rt.device_count = count;
  usable = 1;
}
#else
static void load_locked(void) {
  loaded = 1;
  usable = 0;
  snprintf(reason, sizeof reason, "built without CUDA (cuda_runtime_api.h not found by CMake)");
}
#endif

const gpu_runtime *gpu_runtime_acquire(char *why, size_t len, const char **code) {
  pthread_mutex_lock(&lock);
  if (!loaded)
    load_locked();
  if (!usable) {
    snprintf(why, len, "%s", reason);
    gpu_set_code(code, "ENOGPU");
    pthread_mutex_unlock(&lock);
    return NULL;
  }
  users++;
  pthread_mutex_unlock(&lock);
  return &rt;
}

void gpu_runtime_release(void) {
  pthread_mutex_lock(&lock);
  users--;
  pthread_mutex_unlock(&lock);
}

const char *gpu_runtime_path(void) {
  pthread_mutex_lock(&lock);
  const char *p = lib ? lib_path : NULL;
  pthread_mutex_unlock(&lock);
  return p;
}

int gpu_use_runtime(const char *path, char *why, size_t len, const char **code) {
  pthread_mutex_lock(&lock);
  if (users > 0) {
    snprintf(why, len, "cannot switch the CUDA runtime: %d hog(s) or sampler(s) alive", users);
    gpu_set_code(code, "EBUSY");
    pthread_mutex_unlock(&lock);
    return -1;
  }
  if (lib)
    dlclose(lib);
  lib = NULL;
  loaded = 0;
  usable = 0;
  lib_path[0] = 0;
  snprintf(forced_path, sizeof forced_path, "%s", path ? path : "");
  pthread_mutex_unlock(&lock);
  return 0;
}
