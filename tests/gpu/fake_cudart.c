/*
 * A fake libcudart for omni.gpu's tests on machines without a GPU. Built by
 * cmake/cuda.cmake in four variants, selected by FAKE_MODE:
 *   1 "nodevice": cudaGetDeviceCount fails with cudaErrorNoDevice (100)
 *   2 "zero":     reports zero devices
 *   3 "onegpu":   one 16 GiB device, 1 GiB used by "others"; cudaMalloc and
 *                 cudaFree move the used figure; larger than free fails with
 *                 cudaErrorMemoryAllocation (2)
 *   4 "nomalloc": like onegpu but lacks cudaMalloc (an incomplete library)
 * The tests point omni.gpu at one with OMNILUA_CUDART or gpu._use_runtime.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1024ull * 1024 * 1024)
static const size_t total = 16 * GIB;
static size_t used = 1 * GIB;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int current = 0;

/* Exported with default visibility: dlsym finds these by name. */
int cudaGetDeviceCount(int *count) {
#if FAKE_MODE == 1
  (void)count;
  return 100;
#elif FAKE_MODE == 2
  *count = 0;
  return 0;
#else
  *count = 1;
  return 0;
#endif
}

const char *cudaGetErrorString(int err) {
  switch (err) {
  case 0:
    return "no error";
  case 2:
    return "out of memory";
  case 100:
    return "no CUDA-capable device is detected";
  case 101:
    return "invalid device ordinal";
  default:
    return "unknown error";
  }
}

int cudaSetDevice(int device) {
  if (device != 0)
    return 101;
  current = device;
  return 0;
}

int cudaGetDeviceProperties(void *prop, int device) {
  if (device != 0)
    return 101;
  strcpy(prop, "Fake GPU 0");
  return 0;
}

int cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes) {
  pthread_mutex_lock(&mu);
  *free_bytes = total - used;
  *total_bytes = total;
  pthread_mutex_unlock(&mu);
  return current == 0 ? 0 : 101;
}

#if FAKE_MODE != 4
int cudaMalloc(void **ptr, size_t size) {
  pthread_mutex_lock(&mu);
  if (size > total - used) {
    pthread_mutex_unlock(&mu);
    return 2;
  }
  used += size;
  pthread_mutex_unlock(&mu);
  /* A host block records the size so that cudaFree can give it back. */
  size_t *block = malloc(sizeof *block);
  *block = size;
  *ptr = block;
  return 0;
}
#endif

int cudaFree(void *ptr) {
  if (!ptr)
    return 0;
  size_t *block = ptr;
  pthread_mutex_lock(&mu);
  used -= *block;
  pthread_mutex_unlock(&mu);
  free(block);
  return 0;
}

int cudaDriverGetVersion(int *v) {
  *v = 13000;
  return 0;
}

int cudaRuntimeGetVersion(int *v) {
  *v = 13000;
  return 0;
}
