#ifndef OMNILUA_MEDIA_RNG_H
#define OMNILUA_MEDIA_RNG_H
#include <stdint.h>

/* A seeded PRNG (xoshiro256**, seeded through splitmix64) written out here
 * rather than taken from libc, so that the same seed draws the same numbers
 * on every machine and every run: synthetic media must be byte-identical. */
typedef struct {
  uint64_t s[4];
} media_rng;

void media_rng_seed(media_rng *r, uint64_t seed);
uint64_t media_rng_next(media_rng *r);
/* Uniform integer in [lo, hi] (inclusive); lo <= hi. */
int media_rng_int(media_rng *r, int lo, int hi);
/* Uniform double in [0, 1), 53 bits. */
double media_rng_unit(media_rng *r);
/* Uniform double in [lo, hi). */
double media_rng_range(media_rng *r, double lo, double hi);

#endif
