#ifndef OMNILUA_GPU_H
#define OMNILUA_GPU_H
/*
 * GPUs through the CUDA runtime, loaded with dlopen at run time so that one
 * binary runs on machines with and without CUDA. Every function that can fail
 * returns 0 on success and -1 on failure, with a message in `why` (at most
 * `len` bytes, NUL-terminated) and a short code in *code when code != NULL:
 *   "ENOGPU"  no usable GPU (why is the reason: built without CUDA, libcudart
 *             not found, the driver's error text, no CUDA devices)
 *   "ENODEV"  no device with that index
 *   "ENOMEM"  cudaMalloc could not allocate
 *   "ECUDA"   another CUDA error (why names the call and the CUDA message)
 *   "EBUSY"   gpu_use_runtime while hogs or samplers are alive
 * Device indices are CUDA's (0-based, as CUDA_VISIBLE_DEVICES and nvidia-smi).
 * Note: the first call on a device creates a CUDA context in this process,
 * which itself takes device memory (hundreds of MB on real GPUs); "used"
 * counts every process on the device, this one included.
 */
#include <stddef.h>
#include <stdint.h>

#define GPU_NAME_LEN 256

typedef struct gpu_device_info {
  int index;
  char name[GPU_NAME_LEN];
  uint64_t total_bytes, free_bytes, used_bytes;
} gpu_device_info;

/* Loads the runtime (once) and counts devices. 0 with *count >= 1, or -1
 * with the reason no GPU is usable. Thread-safe. */
int gpu_device_count(int *count, char *why, size_t len, const char **code);
/* Name and memory of one device. */
int gpu_device_info_get(int index, gpu_device_info *out, char *why, size_t len, const char **code);
/* Memory of one device in bytes (used = total - free). */
int gpu_memory(int index, uint64_t *total, uint64_t *free_bytes, char *why, size_t len,
               const char **code);
/* CUDA driver and runtime versions as CUDA encodes them (13000 = 13.0). */
int gpu_versions(int *driver, int *runtime, char *why, size_t len, const char **code);
/* Path of the loaded libcudart, or NULL. */
const char *gpu_runtime_path(void);
/* For tests: forget the loaded runtime and load the one at `path` next
 * (NULL: the normal search). -1 "EBUSY" while a hog or sampler is alive. */
int gpu_use_runtime(const char *path, char *why, size_t len, const char **code);

/* Memory in use sampled on a background thread every interval. */
typedef struct gpu_sampler gpu_sampler;
int gpu_sampler_start(double interval_s, gpu_sampler **out, char *why, size_t len,
                      const char **code);
/* Stops and joins the thread; harmless twice. */
void gpu_sampler_stop(gpu_sampler *s);
int gpu_sampler_devices(const gpu_sampler *s);
size_t gpu_sampler_count(gpu_sampler *s);
/* Copies sample i (0-based): its monotonic time and used bytes of every
 * device (gpu_sampler_devices values). 0, or -1 when i is out of range. */
int gpu_sampler_get(gpu_sampler *s, size_t i, int64_t *t_ns, uint64_t *used);
/* The CUDA error that ended sampling early, or 0 (message copied to why). */
int gpu_sampler_error(gpu_sampler *s, char *why, size_t len);
/* Stops if needed and frees. */
void gpu_sampler_free(gpu_sampler *s);

/* Device memory taken with cudaMalloc and held until released or until
 * `seconds` elapse (seconds <= 0: until released). The allocation happens
 * before gpu_hog_start returns, so a failure is reported there. */
typedef struct gpu_hog gpu_hog;
int gpu_hog_start(int device, uint64_t bytes, double seconds, gpu_hog **out, char *why, size_t len,
                  const char **code);
/* 1 while the memory is held. */
int gpu_hog_held(gpu_hog *h);
/* Frees the memory now and joins the thread; harmless twice. */
void gpu_hog_release(gpu_hog *h);
/* Releases if needed and frees the handle. */
void gpu_hog_free(gpu_hog *h);

#endif
