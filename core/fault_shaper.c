#include "fault_shaper.h"

static double burst_for(double rate) {
  double burst = rate / 50.0; /* 20 ms */
  return burst < 1500.0 ? 1500.0 : burst;
}

static void refill(fault_bucket *b, int64_t now_ns) {
  if (now_ns > b->last_ns) {
    b->tokens += b->rate * (double)(now_ns - b->last_ns) / 1e9;
    if (b->tokens > b->burst)
      b->tokens = b->burst;
    b->last_ns = now_ns;
  }
}

void fault_bucket_init(fault_bucket *b, double bytes_per_s, int64_t now_ns) {
  b->rate = bytes_per_s > 0 ? bytes_per_s : 0;
  b->burst = burst_for(b->rate);
  b->tokens = b->burst;
  b->last_ns = now_ns;
}

void fault_bucket_set_rate(fault_bucket *b, double bytes_per_s, int64_t now_ns) {
  refill(b, now_ns);
  b->rate = bytes_per_s > 0 ? bytes_per_s : 0;
  b->burst = burst_for(b->rate);
  if (b->tokens > b->burst)
    b->tokens = b->burst;
}

size_t fault_bucket_take(fault_bucket *b, size_t want, int64_t now_ns) {
  if (b->rate <= 0)
    return want;
  refill(b, now_ns);
  size_t allowed = b->tokens >= (double)want ? want : (size_t)b->tokens;
  b->tokens -= (double)allowed;
  return allowed;
}

void fault_bucket_refund(fault_bucket *b, size_t bytes) {
  if (b->rate <= 0)
    return;
  b->tokens += (double)bytes;
  if (b->tokens > b->burst)
    b->tokens = b->burst;
}

int64_t fault_bucket_wait_ns(const fault_bucket *b, size_t want, int64_t now_ns) {
  if (b->rate <= 0)
    return 0;
  double tokens = b->tokens;
  if (now_ns > b->last_ns)
    tokens += b->rate * (double)(now_ns - b->last_ns) / 1e9;
  double need = b->burst / 8.0;
  if ((double)want < need)
    need = (double)want;
  if (need < 1.0)
    need = 1.0;
  if (tokens >= need)
    return 0;
  int64_t ns = (int64_t)((need - tokens) / b->rate * 1e9);
  return ns > 0 ? ns : 1;
}

void fault_rng_seed(fault_rng *r, uint64_t seed) { r->state = seed; }

uint64_t fault_rng_next(fault_rng *r) {
  uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

int64_t fault_rng_symmetric(fault_rng *r, int64_t span) {
  if (span <= 0)
    return 0;
  uint64_t width = (uint64_t)span * 2 + 1;
  return (int64_t)(fault_rng_next(r) % width) - span;
}

int64_t fault_release_ns(fault_rng *r, int64_t now_ns, int64_t latency_ns, int64_t jitter_ns,
                         int64_t prev_release_ns) {
  int64_t t = now_ns + latency_ns + fault_rng_symmetric(r, jitter_ns);
  if (t < now_ns)
    t = now_ns;
  if (t < prev_release_ns)
    t = prev_release_ns;
  return t;
}
