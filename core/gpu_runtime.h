#ifndef OMNILUA_GPU_RUNTIME_H
#define OMNILUA_GPU_RUNTIME_H
/*
 * The CUDA runtime entry points omni.gpu uses, resolved with dlsym. Internal
 * to core/gpu*.c. CUDA's functions return cudaError_t, an int-sized enum;
 * they are declared here with `int` so that this file needs no CUDA header
 * (gpu_runtime.c checks the signatures against the header when it has one).
 */
#include <stddef.h>

typedef struct gpu_runtime {
  int (*get_device_count)(int *count);
  int (*get_device_properties)(void *prop, int device); /* name is at offset 0 */
  int (*mem_get_info)(size_t *free_bytes, size_t *total);
  int (*set_device)(int device);
  int (*malloc_)(void **ptr, size_t size);
  int (*free_)(void *ptr);
  const char *(*get_error_string)(int err);
  int (*driver_get_version)(int *version);
  int (*runtime_get_version)(int *version);
  int device_count;
} gpu_runtime;

/* The gpu_* calls take a NULL code when the caller wants none: they set
 * their code through this. */
static inline void gpu_set_code(const char **code, const char *value) {
  if (code)
    *code = value;
}

/* The loaded runtime with at least one device, with a reference held so
 * that gpu_use_runtime cannot unload it; NULL (why, code set) when no GPU is
 * usable. Every successful acquire is paired with gpu_runtime_release. */
const gpu_runtime *gpu_runtime_acquire(char *why, size_t len, const char **code);
void gpu_runtime_release(void);
/* 0 when index names one of rt's devices; else -1, why "no GPU device 3
 * (1 device: 0..0)" and *code "ENODEV". */
int gpu_runtime_check_device(const gpu_runtime *rt, int index, char *why, size_t len,
                             const char **code);
/* Checks the index and makes it the calling thread's current device (-1 and
 * "ECUDA" when cudaSetDevice fails). */
int gpu_runtime_select(const gpu_runtime *rt, int index, char *why, size_t len, const char **code);
/* Formats "<call>: <CUDA message> (error N)" into why. */
void gpu_runtime_error(const gpu_runtime *rt, const char *call, int err, char *why, size_t len);

#endif
