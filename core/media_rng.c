/* xoshiro256** by Blackman and Vigna (public domain), seeded by splitmix64. */
#include "media_rng.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void media_rng_seed(media_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

uint64_t media_rng_next(media_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

int media_rng_int(media_rng *r, int lo, int hi) {
  uint64_t span = (uint64_t)((int64_t)hi - (int64_t)lo) + 1;
  /* Rejection sampling keeps the draw unbiased for any span. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t v;
  do
    v = media_rng_next(r);
  while (v >= limit);
  return (int)((int64_t)lo + (int64_t)(v % span));
}

double media_rng_unit(media_rng *r) { return (double)(media_rng_next(r) >> 11) * 0x1.0p-53; }

double media_rng_range(media_rng *r, double lo, double hi) {
  return lo + (hi - lo) * media_rng_unit(r);
}
