/* The wake-up probe: it samples about once a period, its figures are
 * ordered and never negative, and it stops at once (even right after the
 * start). Lateness itself depends on the machine: only bounds are checked. */
#include "check.h"
#include "clock.h"
#include "wake_probe.h"

int main(void) {
  wake_probe *p = wake_probe_start(1000000); /* 1 ms */
  CHECK(p != NULL);
  clock_sleep_ns(100 * 1000000LL);
  int64_t t0 = clock_now_ns();
  wake_probe_stats s;
  wake_probe_stop(p, &s);
  CHECK(clock_now_ns() - t0 < 1000 * 1000000LL); /* within a period, give or take a stall */
  CHECK(s.samples >= 10 && s.samples <= 101);    /* 100 periods, fewer on a loaded machine */
  CHECK(s.p50_ms >= 0);
  CHECK(s.p99_ms >= s.p50_ms);
  CHECK(s.max_ms >= s.p99_ms);

  wake_probe *q = wake_probe_start(50000); /* raised to the 100 us floor */
  CHECK(q != NULL);
  wake_probe_stop(q, NULL);  /* stopped at once, nothing read */
  wake_probe_stop(NULL, &s); /* a no-op */
  return check_summary("test_wake_probe");
}
