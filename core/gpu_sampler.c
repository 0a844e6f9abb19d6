/*
 * Samples the memory in use on every device on a background thread
 * (sampler_thread): one sample at start, then one per interval, until
 * stopped. The samples live in a growing array (a 12-hour soak at 1 s with
 * 8 GPUs is ~3.5 MB). A CUDA error ends sampling and is kept for
 * gpu_sampler_error.
 */
#include "clock.h"
#include "gpu.h"
#include "gpu_runtime.h"
#include "sampler_thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gpu_sampler {
  const gpu_runtime *rt;
  int devices;
  sampler_thread th; /* th.mu guards the fields below */
  size_t count, cap;
  int64_t *times; /* count */
  uint64_t *used; /* count * devices */
  int error;      /* CUDA error that ended sampling, 0 if none */
  char error_text[256];
};

/* Appends one sample; 0, or -1 after recording the error. */
static int take_sample(void *ctx) {
  gpu_sampler *s = ctx;
  uint64_t row[s->devices > 0 ? s->devices : 1];
  for (int d = 0; d < s->devices; d++) {
    size_t f = 0, t = 0;
    int err = s->rt->set_device(d);
    const char *call = "cudaSetDevice";
    if (err == 0) {
      err = s->rt->mem_get_info(&f, &t);
      call = "cudaMemGetInfo";
    }
    if (err != 0) {
      pthread_mutex_lock(&s->th.mu);
      s->error = err;
      gpu_runtime_error(s->rt, call, err, s->error_text, sizeof s->error_text);
      pthread_mutex_unlock(&s->th.mu);
      return -1;
    }
    row[d] = t - f;
  }
  int64_t now = clock_now_ns();
  pthread_mutex_lock(&s->th.mu);
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 256;
    int64_t *times = realloc(s->times, cap * sizeof *times);
    if (times)
      s->times = times;
    uint64_t *used = times ? realloc(s->used, cap * s->devices * sizeof *used) : NULL;
    if (used)
      s->used = used;
    if (!times || !used) {
      s->error = -1;
      snprintf(s->error_text, sizeof s->error_text, "out of host memory after %zu samples",
               s->count);
      pthread_mutex_unlock(&s->th.mu);
      return -1;
    }
    s->cap = cap;
  }
  s->times[s->count] = now;
  memcpy(s->used + s->count * s->devices, row, s->devices * sizeof *row);
  s->count++;
  pthread_mutex_unlock(&s->th.mu);
  return 0;
}

int gpu_sampler_start(double interval_s, gpu_sampler **out, char *why, size_t len,
                      const char **code) {
  *out = NULL;
  const gpu_runtime *rt = gpu_runtime_acquire(why, len, code);
  if (!rt)
    return -1;
  gpu_sampler *s = calloc(1, sizeof *s);
  if (!s) {
    gpu_runtime_release();
    snprintf(why, len, "out of host memory");
    *code = "ENOMEM";
    return -1;
  }
  s->rt = rt;
  s->devices = rt->device_count;
  sampler_thread_init(&s->th, interval_s, take_sample, s);
  if (sampler_thread_start(&s->th) != 0) {
    snprintf(why, len, "cannot start the sampler thread");
    *code = "ENOMEM";
    gpu_sampler_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void gpu_sampler_stop(gpu_sampler *s) { sampler_thread_stop(&s->th); }

int gpu_sampler_devices(const gpu_sampler *s) { return s->devices; }

size_t gpu_sampler_count(gpu_sampler *s) {
  pthread_mutex_lock(&s->th.mu);
  size_t n = s->count;
  pthread_mutex_unlock(&s->th.mu);
  return n;
}

int gpu_sampler_get(gpu_sampler *s, size_t i, int64_t *t_ns, uint64_t *used) {
  pthread_mutex_lock(&s->th.mu);
  int rc = -1;
  if (i < s->count) {
    *t_ns = s->times[i];
    memcpy(used, s->used + i * s->devices, s->devices * sizeof *used);
    rc = 0;
  }
  pthread_mutex_unlock(&s->th.mu);
  return rc;
}

int gpu_sampler_error(gpu_sampler *s, char *why, size_t len) {
  pthread_mutex_lock(&s->th.mu);
  int err = s->error;
  if (err)
    snprintf(why, len, "%s", s->error_text);
  pthread_mutex_unlock(&s->th.mu);
  return err;
}

void gpu_sampler_free(gpu_sampler *s) {
  if (!s)
    return;
  sampler_thread_destroy(&s->th);
  free(s->times);
  free(s->used);
  free(s);
  gpu_runtime_release();
}
