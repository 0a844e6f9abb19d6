/*
 * The background thread of the samplers (gpu_sampler, procstat_sampler):
 * one tick at start, then one per interval on a fixed grid of
 * CLOCK_MONOTONIC ticks (no drift), until stopped or a tick fails. Stop wakes
 * the thread at once instead of waiting out the interval. The owner embeds
 * the struct and guards its samples with `mu`, the lock the thread sleeps on.
 */
#ifndef OMNILUA_SAMPLER_THREAD_H
#define OMNILUA_SAMPLER_THREAD_H

#include <pthread.h>
#include <stdint.h>

typedef struct sampler_thread {
  pthread_mutex_t mu;
  pthread_cond_t cv; /* signalled on stop; waits use CLOCK_MONOTONIC */
  pthread_t thread;
  int started, stopping;
  int64_t interval_ns;
  int (*tick)(void *ctx); /* takes one sample; nonzero ends sampling */
  void *ctx;
} sampler_thread;

/* Sets up the lock and condition; the interval has a 1 ms floor (a sample
 * is a driver call per device or a scan of /proc: never free). */
void sampler_thread_init(sampler_thread *t, double interval_s, int (*tick)(void *ctx), void *ctx);

/* Starts the thread; 0, or -1 when it cannot be created. */
int sampler_thread_start(sampler_thread *t);

/* Stops and joins the thread; a no-op when it is not running. */
void sampler_thread_stop(sampler_thread *t);

/* Stops the thread and releases the lock and condition. */
void sampler_thread_destroy(sampler_thread *t);

#endif
