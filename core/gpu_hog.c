/*
 * A GPU memory hog: one thread allocates with cudaMalloc, holds the memory
 * until released or until its time is up, and frees it. One thread does both
 * so that the allocation and the free happen on the same current device; the
 * caller waits for the allocation's outcome so a failure is reported at once.
 */
#include "gpu.h"
#include "gpu_runtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gpu_hog {
  const gpu_runtime *rt;
  int device;
  uint64_t bytes;
  double seconds;
  pthread_t thread;
  int joined;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int phase; /* 0 allocating, 1 holding, 2 done */
  int release_requested;
  int alloc_failed;
  char why[256];
  const char *code;
};

static void set_phase(gpu_hog *h, int phase) {
  pthread_mutex_lock(&h->mu);
  h->phase = phase;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
}

static void *hog_main(void *arg) {
  gpu_hog *h = arg;
  void *ptr = NULL;
  int err = gpu_runtime_select(h->rt, h->device, h->why, sizeof h->why, &h->code);
  if (err == 0 && (err = h->rt->malloc_(&ptr, (size_t)h->bytes)) != 0) {
    char cuda[200];
    gpu_runtime_error(h->rt, "cudaMalloc", err, cuda, sizeof cuda);
    snprintf(h->why, sizeof h->why, "cannot hold %llu bytes on GPU %d: %s",
             (unsigned long long)h->bytes, h->device, cuda);
    /* cudaErrorMemoryAllocation is 2 in every CUDA release. */
    h->code = err == 2 ? "ENOMEM" : "ECUDA";
  }
  if (err != 0) {
    pthread_mutex_lock(&h->mu);
    h->alloc_failed = 1;
    h->phase = 2;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return NULL;
  }
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  if (h->seconds > 0) {
    int64_t ns = deadline.tv_nsec + (int64_t)(h->seconds * 1e9);
    deadline.tv_sec += ns / 1000000000;
    deadline.tv_nsec = ns % 1000000000;
  }
  pthread_mutex_lock(&h->mu);
  h->phase = 1;
  pthread_cond_broadcast(&h->cv);
  while (!h->release_requested) {
    if (h->seconds > 0) {
      if (pthread_cond_timedwait(&h->cv, &h->mu, &deadline) != 0)
        break; /* time is up */
    } else {
      pthread_cond_wait(&h->cv, &h->mu);
    }
  }
  pthread_mutex_unlock(&h->mu);
  /* A failed free cannot be retried usefully; the driver frees everything
   * of this process at exit anyway. */
  (void)h->rt->free_(ptr);
  set_phase(h, 2);
  return NULL;
}

int gpu_hog_start(int device, uint64_t bytes, double seconds, gpu_hog **out, char *why, size_t len,
                  const char **code) {
  *out = NULL;
  const gpu_runtime *rt = gpu_runtime_acquire(why, len, code);
  if (!rt)
    return -1;
  if (gpu_runtime_check_device(rt, device, why, len, code) != 0) {
    gpu_runtime_release();
    return -1;
  }
  gpu_hog *h = calloc(1, sizeof *h);
  if (!h) {
    snprintf(why, len, "out of host memory");
    gpu_set_code(code, "ENOMEM");
    gpu_runtime_release();
    return -1;
  }
  h->rt = rt;
  h->device = device;
  h->bytes = bytes;
  h->seconds = seconds;
  pthread_mutex_init(&h->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&h->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&h->thread, NULL, hog_main, h) != 0) {
    snprintf(why, len, "cannot start the hog thread");
    gpu_set_code(code, "ENOMEM");
    h->joined = 1;
    gpu_hog_free(h);
    return -1;
  }
  pthread_mutex_lock(&h->mu);
  while (h->phase == 0)
    pthread_cond_wait(&h->cv, &h->mu);
  int failed = h->alloc_failed;
  pthread_mutex_unlock(&h->mu);
  if (failed) {
    snprintf(why, len, "%s", h->why);
    gpu_set_code(code, h->code);
    gpu_hog_free(h);
    return -1;
  }
  *out = h;
  return 0;
}

int gpu_hog_held(gpu_hog *h) {
  pthread_mutex_lock(&h->mu);
  int held = h->phase == 1;
  pthread_mutex_unlock(&h->mu);
  return held;
}

void gpu_hog_release(gpu_hog *h) {
  if (h->joined)
    return;
  pthread_mutex_lock(&h->mu);
  h->release_requested = 1;
  pthread_cond_broadcast(&h->cv);
  pthread_mutex_unlock(&h->mu);
  pthread_join(h->thread, NULL);
  h->joined = 1;
}

void gpu_hog_free(gpu_hog *h) {
  if (!h)
    return;
  gpu_hog_release(h);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
  gpu_runtime_release();
}
