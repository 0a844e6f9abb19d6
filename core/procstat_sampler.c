/*
 * Samples a process group's totals on a background thread (sampler_thread),
 * on a fixed grid of ticks, into a bounded ring that the owner drains. The
 * thread never waits on the owner: when nobody drains, the oldest samples
 * are dropped and counted, so a forgotten sampler costs a fixed amount of
 * memory.
 */
#include "clock.h"
#include "procstat.h"
#include "sampler_thread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RING_CAP 16384 /* 4.5 h at 1 s: far more than any drain interval */

struct procstat_sampler {
  sampler_thread th; /* th.mu guards the fields below */
  int pgid;
  procstat_sample *ring;
  size_t head, count; /* oldest at head */
  uint64_t dropped;
};

/* Appends one sample; never ends sampling (an unreadable group reads 0). */
static int take_sample(void *ctx) {
  procstat_sampler *s = ctx;
  pthread_mutex_lock(&s->th.mu);
  int pgid = s->pgid;
  pthread_mutex_unlock(&s->th.mu);
  procstat_sample smp;
  char err[128];
  memset(&smp, 0, sizeof smp);
  smp.pgid = pgid;
  if (pgid > 0 && procstat_group(pgid, NULL, 0, &smp.total, err, sizeof err) < 0)
    memset(&smp.total, 0, sizeof smp.total);
  smp.t_ns = clock_now_ns();
  pthread_mutex_lock(&s->th.mu);
  if (s->count == RING_CAP) {
    s->head = (s->head + 1) % RING_CAP;
    s->count--;
    s->dropped++;
  }
  s->ring[(s->head + s->count) % RING_CAP] = smp;
  s->count++;
  pthread_mutex_unlock(&s->th.mu);
  return 0;
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
  sampler_thread_init(&s->th, interval_s, take_sample, s);
  if (sampler_thread_start(&s->th) != 0) {
    snprintf(err, errlen, "cannot start the sampler thread");
    procstat_sampler_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void procstat_sampler_set_group(procstat_sampler *s, int pgid) {
  pthread_mutex_lock(&s->th.mu);
  s->pgid = pgid;
  pthread_mutex_unlock(&s->th.mu);
}

size_t procstat_sampler_drain(procstat_sampler *s, procstat_sample *out, size_t max) {
  pthread_mutex_lock(&s->th.mu);
  size_t n = s->count < max ? s->count : max;
  for (size_t i = 0; i < n; i++)
    out[i] = s->ring[(s->head + i) % RING_CAP];
  s->head = (s->head + n) % RING_CAP;
  s->count -= n;
  pthread_mutex_unlock(&s->th.mu);
  return n;
}

uint64_t procstat_sampler_dropped(procstat_sampler *s) {
  pthread_mutex_lock(&s->th.mu);
  uint64_t d = s->dropped;
  pthread_mutex_unlock(&s->th.mu);
  return d;
}

void procstat_sampler_stop(procstat_sampler *s) { sampler_thread_stop(&s->th); }

void procstat_sampler_free(procstat_sampler *s) {
  if (!s)
    return;
  sampler_thread_destroy(&s->th);
  free(s->ring);
  free(s);
}
