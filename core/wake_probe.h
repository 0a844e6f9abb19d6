/*
 * The machine's scheduling noise while something is measured: a thread that
 * sleeps to absolute deadlines on CLOCK_MONOTONIC (1 ns timer slack, as the
 * dummy server's timers) and records how late each wake-up comes. A token,
 * a send or a read can be timed no better than the machine wakes a sleeping
 * thread: on a quiet VM the p99 is under 0.1 ms, on a noisy one 2 ms and
 * more, and latency figures swing with it.
 */
#ifndef OMNILUA_WAKE_PROBE_H
#define OMNILUA_WAKE_PROBE_H
#include <stdint.h>

typedef struct wake_probe wake_probe;

typedef struct wake_probe_stats {
  int64_t samples; /* wake-ups measured */
  double p50_ms, p99_ms, max_ms;
} wake_probe_stats;

/* Starts the thread, waking every period_ns (at least 100 us). NULL when
 * it cannot (out of memory, no thread). */
wake_probe *wake_probe_start(int64_t period_ns);

/* Stops and joins the thread (within one period), fills *out when out is
 * not NULL, and frees the probe. */
void wake_probe_stop(wake_probe *p, wake_probe_stats *out);

#endif
