#ifndef OMNILUA_CLOCK_H
#define OMNILUA_CLOCK_H
#include <stdint.h>

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC): for every duration and
 * every timestamp that is compared with another. */
int64_t clock_now_ns(void);
/* Wall-clock time in nanoseconds since the epoch: for reports only. */
int64_t clock_wall_ns(void);
/* Sleeps for ns nanoseconds, resuming after signals. */
void clock_sleep_ns(int64_t ns);

#endif
