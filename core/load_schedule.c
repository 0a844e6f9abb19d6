#include "load_schedule.h"

#include <math.h>
#include <stdio.h>

static uint64_t splitmix(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void load_rng_seed(load_rng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix(&x);
  r->has_spare = 0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t load_rng_next(load_rng *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

double load_rng_unit(load_rng *r) { return (double)(load_rng_next(r) >> 11) * 0x1.0p-53; }

double load_rng_normal(load_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do { /* Marsaglia polar method */
    u = 2 * load_rng_unit(r) - 1;
    v = 2 * load_rng_unit(r) - 1;
    s = u * u + v * v;
  } while (s >= 1 || s == 0);
  double m = sqrt(-2 * log(s) / s);
  r->spare = v * m;
  r->has_spare = 1;
  return u * m;
}

double load_rng_gamma(load_rng *r, double shape, double scale) {
  if (shape < 1) { /* boost: G(a) = G(a + 1) * U^(1/a) */
    double u = load_rng_unit(r);
    while (u == 0)
      u = load_rng_unit(r);
    return load_rng_gamma(r, shape + 1, scale) * pow(u, 1 / shape);
  }
  double d = shape - 1.0 / 3, c = 1 / sqrt(9 * d);
  for (;;) { /* Marsaglia and Tsang (2000) */
    double x, v;
    do {
      x = load_rng_normal(r);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    double u = load_rng_unit(r);
    if (u < 1 - 0.0331 * x * x * x * x)
      return d * v * scale;
    if (u > 0 && log(u) < 0.5 * x * x + d * (1 - v + log(v)))
      return d * v * scale;
  }
}

int load_schedule(size_t n, double rate, double burstiness, uint64_t seed, double *t, char *err,
                  size_t errlen) {
  if (!(rate > 0)) {
    snprintf(err, errlen, "request rate must be > 0 (or inf), got %g", rate);
    return -1;
  }
  if (!(burstiness > 0)) {
    snprintf(err, errlen, "burstiness must be > 0 (or inf), got %g", burstiness);
    return -1;
  }
  if (n == 0)
    return 0;
  if (isinf(rate)) {
    for (size_t i = 0; i < n; i++)
      t[i] = 0;
    return 0;
  }
  if (isinf(burstiness)) {
    for (size_t i = 0; i < n; i++)
      t[i] = (double)(i + 1) / rate;
    return 0;
  }
  load_rng g;
  load_rng_seed(&g, seed);
  double theta = 1 / (rate * burstiness), acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += load_rng_gamma(&g, burstiness, theta);
    t[i] = acc;
  }
  /* The reference rescales so the run lasts exactly n / rate: the sample's
   * total does not stretch or shrink the benchmark. */
  double target = (double)n / rate, scale = acc > 0 ? target / acc : 1;
  for (size_t i = 0; i < n; i++)
    t[i] *= scale;
  t[n - 1] = target;
  return 0;
}
