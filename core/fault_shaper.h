#ifndef OMNILUA_FAULT_SHAPER_H
#define OMNILUA_FAULT_SHAPER_H
/*
 * The timing logic of the fault proxy, apart from its sockets so that it can
 * be unit-tested: a token bucket for bandwidth, a seeded generator for
 * jitter, and the release time of a chunk of bytes.
 */
#include <stddef.h>
#include <stdint.h>

/* A token bucket in bytes. rate 0 means unlimited. The burst (bucket size)
 * is 20 ms of traffic, at least 1500 bytes: small enough that a measured
 * rate matches the setting over a fraction of a second. */
typedef struct fault_bucket {
  double rate;   /* bytes per second; 0 = unlimited */
  double burst;  /* bucket capacity in bytes */
  double tokens; /* bytes that may be sent now */
  int64_t last_ns;
} fault_bucket;

void fault_bucket_init(fault_bucket *b, double bytes_per_s, int64_t now_ns);
/* Changes the rate, keeping the tokens earned so far (capped at the new burst). */
void fault_bucket_set_rate(fault_bucket *b, double bytes_per_s, int64_t now_ns);
/* How many of `want` bytes may be sent at now_ns; takes them. */
size_t fault_bucket_take(fault_bucket *b, size_t want, int64_t now_ns);
/* Gives back bytes taken but not sent (a short write). */
void fault_bucket_refund(fault_bucket *b, size_t bytes);
/* Nanoseconds from now_ns until a useful amount (min(want, burst / 8),
 * at least one byte) can be taken; 0 if now. */
int64_t fault_bucket_wait_ns(const fault_bucket *b, size_t want, int64_t now_ns);

/* splitmix64: small, seeded, good enough for jitter. */
typedef struct fault_rng {
  uint64_t state;
} fault_rng;
void fault_rng_seed(fault_rng *r, uint64_t seed);
uint64_t fault_rng_next(fault_rng *r);
/* Uniform in [-span, +span]. */
int64_t fault_rng_symmetric(fault_rng *r, int64_t span);

/* When bytes read at now_ns may leave: now + latency + uniform jitter,
 * never before now, and never before the previous chunk of the same stream
 * (prev_release_ns), because TCP does not reorder bytes. */
int64_t fault_release_ns(fault_rng *r, int64_t now_ns, int64_t latency_ns, int64_t jitter_ns,
                         int64_t prev_release_ns);

#endif
