/*
 * A mergeable latency histogram in the style of HdrHistogram: values are
 * rounded to integer ticks (one tick = `resolution` in the caller's unit)
 * and counted in log-linear buckets that keep `digits` significant decimal
 * digits (relative bucket width <= 10^-digits). Merging two histograms with
 * the same settings adds counts bucket by bucket, so the merge of shards is
 * identical to one histogram over all their samples. Count, tick sum, min
 * and max are exact integers, so mean/min/max merge exactly too. No Lua.
 */
#ifndef OMNILUA_METRICS_HIST_H
#define OMNILUA_METRICS_HIST_H
#include <stddef.h>
#include <stdint.h>

typedef struct metrics_hist {
  int digits;        /* significant decimal digits, 1..5 */
  double resolution; /* value of one tick, in the caller's unit (> 0) */
  int64_t highest;   /* largest trackable value, in ticks; larger values are clamped */
  int sub_bucket_half_count_magnitude;
  int64_t sub_bucket_count, sub_bucket_half_count, sub_bucket_mask;
  int bucket_count;
  size_t counts_len;
  int64_t *counts;
  int64_t total;      /* samples recorded */
  uint64_t sum_ticks; /* exact sum of the recorded (rounded, clamped) ticks */
  int64_t min_ticks, max_ticks;
  int64_t clamped; /* samples above `highest`, recorded as `highest` */
} metrics_hist;

/* 0, or -1 (bad settings: digits outside 1..5, resolution <= 0, highest below
 * 2 ticks or above 2^62 ticks), -2 out of memory. */
int metrics_hist_init(metrics_hist *h, int digits, double resolution, double highest);
void metrics_hist_free(metrics_hist *h);

/* Records value `count` times. -1 when value is negative or NaN. */
int metrics_hist_record(metrics_hist *h, double value, int64_t count);
/* Adds src into dst. -1 when their settings differ. */
int metrics_hist_merge(metrics_hist *dst, const metrics_hist *src);
/* Nearest-rank quantile, q in [0, 1]: the smallest bucket whose cumulative
 * count reaches ceil(q * total), reported as that bucket's highest value,
 * clamped to [min, max]. 0 when empty. */
double metrics_hist_quantile(const metrics_hist *h, double q);
double metrics_hist_mean(const metrics_hist *h);
double metrics_hist_min(const metrics_hist *h);
double metrics_hist_max(const metrics_hist *h);

/* Bucket index of a tick value and the tick range a bucket covers (for tests). */
size_t metrics_hist_index_of(const metrics_hist *h, int64_t ticks);
int64_t metrics_hist_lowest_at(const metrics_hist *h, size_t index);
int64_t metrics_hist_highest_at(const metrics_hist *h, size_t index);

/* Encodes to base64 text (a compact, JSON-safe string); *out is malloc'd.
 * 0, or -2 out of memory. */
int metrics_hist_encode(const metrics_hist *h, char **out, size_t *len);
/* Decodes metrics_hist_encode's text into a new histogram.
 * 0, or -1 with a reason in err (cap bytes). */
int metrics_hist_decode(const char *text, size_t len, metrics_hist *h, char *err, size_t cap);

#endif
