#include "dummy_profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dummy_profile_defaults(dummy_profile *p) {
  memset(p, 0, sizeof *p);
  p->output_tokens = -1;
  p->stall_after = p->drop_after = p->malformed_after = -1;
  p->error_after = p->long_line_after = p->bad_utf8_after = -1;
}

typedef enum { K_DOUBLE, K_INT, K_U64 } kind;
static const struct {
  const char *name;
  kind k;
  size_t off;
  double min, max;
} keys[] = {
    {"ttft_ms", K_DOUBLE, offsetof(dummy_profile, ttft_ms), 0, 3.6e6},
    {"itl_ms", K_DOUBLE, offsetof(dummy_profile, itl_ms), 0, 3.6e6},
    {"jitter_ms", K_DOUBLE, offsetof(dummy_profile, jitter_ms), 0, 3.6e6},
    {"output_tokens", K_INT, offsetof(dummy_profile, output_tokens), -1, 1000000},
    {"seed", K_U64, offsetof(dummy_profile, seed), 0, 1.8e19},
    {"error_rate", K_DOUBLE, offsetof(dummy_profile, error_rate), 0, 1},
    {"status", K_INT, offsetof(dummy_profile, status), 0, 599},
    {"stall_after", K_INT, offsetof(dummy_profile, stall_after), -1, 1000000},
    {"drop_after", K_INT, offsetof(dummy_profile, drop_after), -1, 1000000},
    {"malformed_after", K_INT, offsetof(dummy_profile, malformed_after), -1, 1000000},
    {"error_after", K_INT, offsetof(dummy_profile, error_after), -1, 1000000},
    {"long_line_after", K_INT, offsetof(dummy_profile, long_line_after), -1, 1000000},
    {"bad_utf8_after", K_INT, offsetof(dummy_profile, bad_utf8_after), -1, 1000000},
};

int dummy_profile_apply(dummy_profile *p, const char *spec, size_t len, char *err, size_t errlen) {
  const char *s = spec, *end = spec + len;
  while (s < end) {
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *stop = comma ? comma : end;
    while (s < stop && *s == ' ')
      s++;
    if (s == stop) {
      s = stop + 1;
      continue;
    }
    const char *eq = memchr(s, '=', (size_t)(stop - s));
    char key[32], val[48];
    size_t kl = eq ? (size_t)(eq - s) : (size_t)(stop - s);
    size_t vl = eq ? (size_t)(stop - eq - 1) : 0;
    if (!eq || kl >= sizeof key || vl == 0 || vl >= sizeof val) {
      snprintf(err, errlen, "bad dummy setting '%.*s' (key=value expected)", (int)(stop - s), s);
      return -1;
    }
    memcpy(key, s, kl);
    key[kl] = '\0';
    memcpy(val, eq + 1, vl);
    val[vl] = '\0';
    size_t i = 0;
    for (; i < sizeof keys / sizeof *keys; i++)
      if (strcmp(keys[i].name, key) == 0)
        break;
    if (i == sizeof keys / sizeof *keys) {
      snprintf(err, errlen, "unknown dummy setting '%s'", key);
      return -1;
    }
    char *e;
    double d = strtod(val, &e);
    if (*e != '\0' || !isfinite(d) || d < keys[i].min || d > keys[i].max ||
        (keys[i].k != K_DOUBLE && d != floor(d))) {
      snprintf(err, errlen, "bad value for dummy setting %s: '%s' (%s in %g..%g expected)", key,
               val, keys[i].k == K_DOUBLE ? "a number" : "an integer", keys[i].min, keys[i].max);
      return -1;
    }
    char *field = (char *)p + keys[i].off;
    if (keys[i].k == K_DOUBLE)
      *(double *)field = d;
    else if (keys[i].k == K_INT)
      *(int *)field = (int)d;
    else
      *(uint64_t *)field = strtoull(val, NULL, 10);
    s = stop + 1;
  }
  return 0;
}

uint64_t dummy_rand_next(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double dummy_rand_unit(uint64_t *state) { return (double)(dummy_rand_next(state) >> 11) * 0x1p-53; }
