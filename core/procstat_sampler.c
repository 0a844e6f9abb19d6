/*
 * Samples a process group's totals on a background thread, on a fixed grid
 * of ticks, into a bounded ring that the owner drains. The thread never
 * waits on the owner: when nobody drains, the oldest samples are dropped and
 * counted, so a forgotten sampler costs a fixed amount of memory.
 */
#include "clock.h"
#include "procstat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING_CAP 16384 /* 4.5 h at 1 s: far more than any drain interval */

struct procstat_sampler {
  pthread_t thread;
  int started, stopping;
  pthread_mutex_t mu;
  pthread_cond_t cv; /* signalled on stop; waits use CLOCK_MONOTONIC */
  int pgid;
  int64_t interval_ns;
  procstat_sample *ring;
  size_t head, count; /* oldest at head */
  uint64_t dropped;
};

static void take_sample(procstat_sampler *s) {
  pthread_mutex_lock(&s->mu);
  int pgid = s->pgid;
  pthread_mutex_unlock(&s->mu);
  procstat_sample smp;
  char err[128];
  memset(&smp, 0, sizeof smp);
  smp.pgid = pgid;
  if (pgid > 0 && procstat_group(pgid, NULL, 0, &smp.total, err, sizeof err) < 0)
    memset(&smp.total, 0, sizeof smp.total);
  smp.t_ns = clock_now_ns();
  pthread_mutex_lock(&s->mu);
  if (s->count == RING_CAP) {
    s->head = (s->head + 1) % RING_CAP;
    s->count--;
    s->dropped++;
  }
  s->ring[(s->head + s->count) % RING_CAP] = smp;
  s->count++;
  pthread_mutex_unlock(&s->mu);
}

static void *sampler_main(void *arg) {
  procstat_sampler *s = arg;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    take_sample(s);
    /* Ticks are on a fixed grid so that sampling does not drift. */
    int64_t ns = next.tv_nsec + s->interval_ns;
    next.tv_sec += ns / 1000000000;
    next.tv_nsec = ns % 1000000000;
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &next) == 0)
      ;
    int stop = s->stopping;
    pthread_mutex_unlock(&s->mu);
    if (stop)
      break;
  }
  return NULL;
}

int procstat_sampler_start(int pgid, double interval_s, procstat_sampler **out, char *err,
                           size_t errlen) {
  *out = NULL;
  procstat_sampler *s = calloc(1, sizeof *s);
  procstat_sample *ring = s ? malloc(RING_CAP * sizeof *ring) : NULL;
  if (!ring) {
    free(s);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s->ring = ring;
  s->pgid = pgid;
  s->interval_ns = (int64_t)(interval_s * 1e9);
  if (s->interval_ns < 1000000)
    s->interval_ns = 1000000; /* 1 ms floor: a sample scans all of /proc */
  pthread_mutex_init(&s->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
    snprintf(err, errlen, "cannot start the sampler thread");
    procstat_sampler_free(s);
    return -1;
  }
  s->started = 1;
  *out = s;
  return 0;
}

void procstat_sampler_set_group(procstat_sampler *s, int pgid) {
  pthread_mutex_lock(&s->mu);
  s->pgid = pgid;
  pthread_mutex_unlock(&s->mu);
}

size_t procstat_sampler_drain(procstat_sampler *s, procstat_sample *out, size_t max) {
  pthread_mutex_lock(&s->mu);
  size_t n = s->count < max ? s->count : max;
  for (size_t i = 0; i < n; i++)
    out[i] = s->ring[(s->head + i) % RING_CAP];
  s->head = (s->head + n) % RING_CAP;
  s->count -= n;
  pthread_mutex_unlock(&s->mu);
  return n;
}

uint64_t procstat_sampler_dropped(procstat_sampler *s) {
  pthread_mutex_lock(&s->mu);
  uint64_t d = s->dropped;
  pthread_mutex_unlock(&s->mu);
  return d;
}

void procstat_sampler_stop(procstat_sampler *s) {
  if (!s->started)
    return;
  pthread_mutex_lock(&s->mu);
  s->stopping = 1;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  s->started = 0;
}

void procstat_sampler_free(procstat_sampler *s) {
  if (!s)
    return;
  procstat_sampler_stop(s);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s->ring);
  free(s);
}
