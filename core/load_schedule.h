/*
 * Intended send times of a benchmark, as `vllm bench serve` draws them:
 * gaps ~ Gamma(shape = burstiness, scale = 1 / (rate * burstiness)) (mean
 * 1/rate; burstiness 1 is a Poisson process), cumulated (request 0 waits its
 * gap too), then rescaled so that the last time is exactly n / rate.
 * rate = inf: every time is 0 (all at once). burstiness = inf: fixed gaps of
 * 1 / rate. Seeded, so a run is repeatable; the generator is our own
 * (xoshiro256** with Marsaglia-Tsang gamma), so the draws differ from numpy's
 * but follow the same distribution. No Lua here.
 */
#ifndef OMNILUA_LOAD_SCHEDULE_H
#define OMNILUA_LOAD_SCHEDULE_H
#include <stddef.h>
#include <stdint.h>

typedef struct load_rng {
  uint64_t s[4];
  int has_spare;
  double spare; /* second normal of the Box-Muller pair */
} load_rng;

void load_rng_seed(load_rng *r, uint64_t seed);
uint64_t load_rng_next(load_rng *r);
double load_rng_unit(load_rng *r);   /* uniform in [0, 1) */
double load_rng_normal(load_rng *r); /* standard normal */
/* Gamma(shape, scale), shape > 0, scale > 0. */
double load_rng_gamma(load_rng *r, double shape, double scale);

/* Fills t[0..n) with the send times in seconds from the start, ascending.
 * rate and burstiness may be INFINITY. 0, or -1 with a reason (rate or
 * burstiness not > 0, NaN). */
int load_schedule(size_t n, double rate, double burstiness, uint64_t seed, double *t, char *err,
                  size_t errlen);

#endif
