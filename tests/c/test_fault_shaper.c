/* The fault proxy's timing logic: token bucket, jitter, release order. */
#include "check.h"
#include "fault_shaper.h"

#define MS 1000000LL
#define S 1000000000LL

static void bucket_unlimited(void) {
  fault_bucket b;
  fault_bucket_init(&b, 0, 0);
  CHECK_EQ_INT(fault_bucket_take(&b, 1 << 20, 0), 1 << 20);
  CHECK_EQ_INT(fault_bucket_wait_ns(&b, 1 << 20, 0), 0);
}

static void bucket_rate_over_a_second(void) {
  /* 100 kB/s: sending as fast as the bucket allows for 1 s moves 100 kB
   * plus the initial burst of 2000 B (20 ms at 100 kB/s). */
  fault_bucket b;
  fault_bucket_init(&b, 100000, 0);
  CHECK_NEAR(b.burst, 2000, 1e-9);
  size_t sent = 0;
  for (int64_t t = 0; t <= S; t += MS)
    sent += fault_bucket_take(&b, 16384, t);
  CHECK_NEAR((double)sent, 100000 + 2000, 200);
}

static void bucket_burst_cap_and_wait(void) {
  fault_bucket b;
  fault_bucket_init(&b, 8000, 0); /* burst floor 1500 B */
  CHECK_EQ_INT(fault_bucket_take(&b, 100000, 0), 1500);
  CHECK_EQ_INT(fault_bucket_take(&b, 100, 0), 0);
  /* wants min(100, 1500/8=187.5) = 100 bytes: 100 / 8000 s = 12.5 ms */
  CHECK_NEAR((double)fault_bucket_wait_ns(&b, 100, 0), 12.5 * MS, 1000);
  /* after an idle minute the bucket holds only the burst */
  CHECK_EQ_INT(fault_bucket_take(&b, 100000, 60 * S), 1500);
  fault_bucket_refund(&b, 500);
  CHECK_EQ_INT(fault_bucket_take(&b, 100000, 60 * S), 500);
}

static void bucket_rate_change(void) {
  fault_bucket b;
  fault_bucket_init(&b, 1e6, 0); /* burst 20000 */
  CHECK_EQ_INT(fault_bucket_take(&b, 20000, 0), 20000);
  fault_bucket_set_rate(&b, 1000, 10 * MS); /* earned 10000, capped at new burst 1500 */
  CHECK_NEAR(b.tokens, 1500, 1e-6);
  fault_bucket_set_rate(&b, 0, 20 * MS);
  CHECK_EQ_INT(fault_bucket_take(&b, 123456, 20 * MS), 123456);
}

static void jitter_bounds_and_seed(void) {
  fault_rng a, b;
  fault_rng_seed(&a, 42);
  fault_rng_seed(&b, 42);
  int64_t lo = 0, hi = 0;
  double sum = 0;
  int same = 1;
  for (int i = 0; i < 100000; i++) {
    int64_t x = fault_rng_symmetric(&a, 50 * MS);
    same &= x == fault_rng_symmetric(&b, 50 * MS);
    lo = x < lo ? x : lo;
    hi = x > hi ? x : hi;
    sum += (double)x;
  }
  CHECK(same);
  CHECK(lo >= -50 * MS && lo < -49 * MS);
  CHECK(hi <= 50 * MS && hi > 49 * MS);
  CHECK_NEAR(sum / 100000, 0, 0.5 * MS);
  CHECK_EQ_INT(fault_rng_symmetric(&a, 0), 0);
}

static void release_keeps_order(void) {
  fault_rng r;
  fault_rng_seed(&r, 1);
  CHECK_EQ_INT(fault_release_ns(&r, 1000, 0, 0, 0), 1000);
  CHECK_EQ_INT(fault_release_ns(&r, S, 100 * MS, 0, 0), S + 100 * MS);
  int64_t prev = 0;
  int ordered = 1, in_range = 1;
  for (int i = 0; i < 10000; i++) {
    int64_t now = i * MS;
    int64_t t = fault_release_ns(&r, now, 10 * MS, 30 * MS, prev);
    ordered &= t >= prev;
    in_range &= t >= now && t <= now + 40 * MS + 40 * MS;
    prev = t;
  }
  CHECK(ordered);
  CHECK(in_range);
  /* jitter larger than latency never releases before now */
  CHECK(fault_release_ns(&r, 5 * S, 0, 100 * MS, 0) >= 5 * S);
}

int main(void) {
  bucket_unlimited();
  bucket_rate_over_a_second();
  bucket_burst_cap_and_wait();
  bucket_rate_change();
  jitter_bounds_and_seed();
  release_keeps_order();
  return check_summary("test_fault_shaper");
}
