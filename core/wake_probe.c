#include "wake_probe.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

#include "clock.h"
#include "metrics_hist.h"

struct wake_probe {
  pthread_t thread;
  int64_t period_ns;
  atomic_int stop;
  metrics_hist hist; /* lateness in ms, 1 us ticks; read after the join */
};

static void *probe_main(void *arg) {
  wake_probe *p = arg;
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* this thread only */
  int64_t due = clock_now_ns();
  while (!atomic_load(&p->stop)) {
    due += p->period_ns;
    struct timespec ts = {.tv_sec = due / 1000000000, .tv_nsec = due % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0)
      ; /* EINTR: the deadline stays */
    int64_t now = clock_now_ns();
    metrics_hist_record(&p->hist, (double)(now - due) / 1e6, 1);
    if (now - due > p->period_ns) /* a long stall: measure the next wake-up from now */
      due = now;
  }
  return NULL;
}

wake_probe *wake_probe_start(int64_t period_ns) {
  wake_probe *p = calloc(1, sizeof *p);
  if (!p)
    return NULL;
  p->period_ns = period_ns < 100000 ? 100000 : period_ns;
  atomic_init(&p->stop, 0);
  if (metrics_hist_init(&p->hist, 2, 0.001, 60000.0) != 0) {
    free(p);
    return NULL;
  }
  if (pthread_create(&p->thread, NULL, probe_main, p) != 0) {
    metrics_hist_free(&p->hist);
    free(p);
    return NULL;
  }
  return p;
}

void wake_probe_stop(wake_probe *p, wake_probe_stats *out) {
  if (!p)
    return;
  atomic_store(&p->stop, 1);
  pthread_join(p->thread, NULL);
  if (out) {
    out->samples = p->hist.total;
    out->p50_ms = metrics_hist_quantile(&p->hist, 0.5);
    out->p99_ms = metrics_hist_quantile(&p->hist, 0.99);
    out->max_ms = metrics_hist_max(&p->hist);
  }
  metrics_hist_free(&p->hist);
  free(p);
}
