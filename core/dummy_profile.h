/* The dummy server's latency profile and fault modes, and the one small
 * grammar that sets them from a flag, a request header (x-dummy-fault) or a
 * request body field ("dummy_fault"): comma-separated key=value pairs, e.g.
 *   "ttft_ms=50,itl_ms=10,stall_after=3"  or  "error_rate=0.2,status=503"
 * Keys: ttft_ms itl_ms jitter_ms output_tokens seed (latency), and error_rate
 * status stall_after drop_after malformed_after error_after long_line_after
 * bad_utf8_after (faults; "after" counts content chunks; -1 is off). */
#ifndef OMNILUA_DUMMY_PROFILE_H
#define OMNILUA_DUMMY_PROFILE_H
#include <stddef.h>
#include <stdint.h>

typedef struct dummy_profile {
  double ttft_ms, itl_ms, jitter_ms;
  int output_tokens; /* -1: the answer's natural length */
  uint64_t seed;
  /* faults */
  double error_rate; /* probability that a request gets `status` at once */
  int status;        /* >0: answer with this status (error_rate 0 means always) */
  int stall_after, drop_after, malformed_after, error_after, long_line_after, bad_utf8_after;
} dummy_profile;

void dummy_profile_defaults(dummy_profile *p);
/* Applies a spec on top of p; -1 with a message naming the bad pair. */
int dummy_profile_apply(dummy_profile *p, const char *spec, size_t len, char *err, size_t errlen);

/* splitmix64: a tiny, seedable generator, so that every answer and every
 * jitter is the same for the same seed and request number. */
uint64_t dummy_rand_next(uint64_t *state);
double dummy_rand_unit(uint64_t *state); /* uniform in [0, 1) */

#endif
