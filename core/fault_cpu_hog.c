#include "fault_cpu_hog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

struct fault_cpu_hog {
  int threads, started, joined;
  int64_t deadline_ns; /* 0: none */
  atomic_int stop;
  atomic_int running;
  pthread_t *tids;
};

static void *spin(void *arg) {
  fault_cpu_hog *h = arg;
  volatile uint64_t x = 0; /* volatile: the loop must not be optimised away */
  while (!atomic_load_explicit(&h->stop, memory_order_relaxed)) {
    for (int i = 0; i < 100000; i++)
      x = x * 6364136223846793005ull + 1;
    /* the clock is read every ~100k iterations (well under a millisecond) */
    if (h->deadline_ns && clock_now_ns() >= h->deadline_ns)
      break;
  }
  atomic_fetch_sub(&h->running, 1);
  return NULL;
}

int fault_cpu_hog_start(int threads, double seconds, fault_cpu_hog **out, char *why, size_t len) {
  *out = NULL;
  fault_cpu_hog *h = calloc(1, sizeof *h);
  pthread_t *tids = calloc((size_t)(threads > 0 ? threads : 1), sizeof *tids);
  if (!h || !tids) {
    free(h);
    free(tids);
    snprintf(why, len, "out of memory");
    return -1;
  }
  h->tids = tids;
  h->threads = threads;
  h->deadline_ns = seconds > 0 ? clock_now_ns() + (int64_t)(seconds * 1e9) : 0;
  for (int i = 0; i < threads; i++) {
    atomic_fetch_add(&h->running, 1);
    int err = pthread_create(&h->tids[i], NULL, spin, h);
    if (err != 0) {
      atomic_fetch_sub(&h->running, 1);
      snprintf(why, len, "cannot start CPU hog thread %d of %d: %s", i + 1, threads, strerror(err));
      fault_cpu_hog_free(h);
      return -1;
    }
    h->started++;
  }
  *out = h;
  return 0;
}

int fault_cpu_hog_running(fault_cpu_hog *h) { return atomic_load(&h->running); }

void fault_cpu_hog_stop(fault_cpu_hog *h) {
  if (h->joined)
    return;
  atomic_store(&h->stop, 1);
  for (int i = 0; i < h->started; i++)
    pthread_join(h->tids[i], NULL);
  h->joined = 1;
}

void fault_cpu_hog_free(fault_cpu_hog *h) {
  if (!h)
    return;
  fault_cpu_hog_stop(h);
  free(h->tids);
  free(h);
}
