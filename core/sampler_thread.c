/*
 * The samplers' background thread: see sampler_thread.h.
 */
#include "sampler_thread.h"

#include <time.h>

static void *sampler_thread_main(void *arg) {
  sampler_thread *t = arg;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    if (t->tick(t->ctx) != 0)
      break;
    /* Ticks are on a fixed grid so that sampling does not drift. */
    int64_t ns = next.tv_nsec + t->interval_ns;
    next.tv_sec += ns / 1000000000;
    next.tv_nsec = ns % 1000000000;
    pthread_mutex_lock(&t->mu);
    while (!t->stopping && pthread_cond_timedwait(&t->cv, &t->mu, &next) == 0)
      ;
    int stop = t->stopping;
    pthread_mutex_unlock(&t->mu);
    if (stop)
      break;
  }
  return NULL;
}

void sampler_thread_init(sampler_thread *t, double interval_s, int (*tick)(void *ctx), void *ctx) {
  t->started = 0;
  t->stopping = 0;
  t->tick = tick;
  t->ctx = ctx;
  t->interval_ns = (int64_t)(interval_s * 1e9);
  if (t->interval_ns < 1000000)
    t->interval_ns = 1000000;
  pthread_mutex_init(&t->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&t->cv, &ca);
  pthread_condattr_destroy(&ca);
}

int sampler_thread_start(sampler_thread *t) {
  if (pthread_create(&t->thread, NULL, sampler_thread_main, t) != 0)
    return -1;
  t->started = 1;
  return 0;
}

void sampler_thread_stop(sampler_thread *t) {
  if (!t->started)
    return;
  pthread_mutex_lock(&t->mu);
  t->stopping = 1;
  pthread_cond_signal(&t->cv);
  pthread_mutex_unlock(&t->mu);
  pthread_join(t->thread, NULL);
  t->started = 0;
}

void sampler_thread_destroy(sampler_thread *t) {
  sampler_thread_stop(t);
  pthread_cond_destroy(&t->cv);
  pthread_mutex_destroy(&t->mu);
}
