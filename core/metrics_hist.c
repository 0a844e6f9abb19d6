/*
 * Bucket arithmetic follows HdrHistogram_c (hdr_histogram.c) with a unit
 * magnitude of 0 (the lowest discernible value is one tick): bucket 0 holds
 * sub_bucket_count linear slots, each later bucket the upper half of a range
 * twice as wide, so a value's slot is found with one count-leading-zeros.
 */
#include "metrics_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int metrics_hist_init(metrics_hist *h, int digits, double resolution, double highest) {
  memset(h, 0, sizeof *h);
  if (digits < 1 || digits > 5 || !(resolution > 0) || !(highest / resolution >= 2) ||
      highest / resolution > 4611686018427387904.0)
    return -1;
  h->digits = digits;
  h->resolution = resolution;
  h->highest = (int64_t)llround(highest / resolution);
  int64_t largest_single_unit = 2 * (int64_t)pow(10, digits);
  int magnitude = (int)ceil(log2((double)largest_single_unit));
  h->sub_bucket_half_count_magnitude = magnitude > 1 ? magnitude - 1 : 0;
  h->sub_bucket_count = (int64_t)1 << (h->sub_bucket_half_count_magnitude + 1);
  h->sub_bucket_half_count = h->sub_bucket_count / 2;
  h->sub_bucket_mask = h->sub_bucket_count - 1;
  int64_t smallest_untrackable = h->sub_bucket_count;
  int buckets = 1;
  while (smallest_untrackable <= h->highest) {
    if (smallest_untrackable > INT64_MAX / 2) {
      buckets++;
      break;
    }
    smallest_untrackable <<= 1;
    buckets++;
  }
  h->bucket_count = buckets;
  h->counts_len = (size_t)(buckets + 1) * (size_t)h->sub_bucket_half_count;
  h->counts = calloc(h->counts_len, sizeof *h->counts);
  if (h->counts == NULL)
    return -2;
  h->min_ticks = INT64_MAX;
  return 0;
}

void metrics_hist_free(metrics_hist *h) {
  free(h->counts);
  h->counts = NULL;
}

size_t metrics_hist_index_of(const metrics_hist *h, int64_t v) {
  int pow2ceiling = 64 - __builtin_clzll((unsigned long long)(v | h->sub_bucket_mask));
  int bucket = pow2ceiling - (h->sub_bucket_half_count_magnitude + 1);
  int64_t sub = v >> bucket;
  return (size_t)(((int64_t)(bucket + 1) << h->sub_bucket_half_count_magnitude) +
                  (sub - h->sub_bucket_half_count));
}

static void index_parts(const metrics_hist *h, size_t index, int *bucket, int64_t *sub) {
  *bucket = (int)(index >> h->sub_bucket_half_count_magnitude) - 1;
  *sub = (int64_t)(index & (size_t)(h->sub_bucket_half_count - 1)) + h->sub_bucket_half_count;
  if (*bucket < 0) {
    *sub -= h->sub_bucket_half_count;
    *bucket = 0;
  }
}

int64_t metrics_hist_lowest_at(const metrics_hist *h, size_t index) {
  int bucket;
  int64_t sub;
  index_parts(h, index, &bucket, &sub);
  return sub << bucket;
}

int64_t metrics_hist_highest_at(const metrics_hist *h, size_t index) {
  int bucket;
  int64_t sub;
  index_parts(h, index, &bucket, &sub);
  int adjusted = sub >= h->sub_bucket_count ? bucket + 1 : bucket;
  return (sub << bucket) + ((int64_t)1 << adjusted) - 1;
}

int metrics_hist_record(metrics_hist *h, double value, int64_t count) {
  if (!(value >= 0) || count < 0)
    return -1;
  if (count == 0)
    return 0;
  double t = value / h->resolution;
  int64_t ticks;
  if (t > (double)h->highest) {
    ticks = h->highest;
    h->clamped += count;
  } else {
    ticks = (int64_t)llround(t);
  }
  h->counts[metrics_hist_index_of(h, ticks)] += count;
  h->total += count;
  h->sum_ticks += (uint64_t)ticks * (uint64_t)count;
  if (ticks < h->min_ticks)
    h->min_ticks = ticks;
  if (ticks > h->max_ticks)
    h->max_ticks = ticks;
  return 0;
}

int metrics_hist_merge(metrics_hist *dst, const metrics_hist *src) {
  if (dst->digits != src->digits || dst->resolution != src->resolution ||
      dst->highest != src->highest || dst->counts_len != src->counts_len)
    return -1;
  for (size_t i = 0; i < dst->counts_len; i++)
    dst->counts[i] += src->counts[i];
  dst->total += src->total;
  dst->sum_ticks += src->sum_ticks;
  dst->clamped += src->clamped;
  if (src->min_ticks < dst->min_ticks)
    dst->min_ticks = src->min_ticks;
  if (src->max_ticks > dst->max_ticks)
    dst->max_ticks = src->max_ticks;
  return 0;
}

double metrics_hist_quantile(const metrics_hist *h, double q) {
  if (h->total == 0)
    return 0.0;
  if (q <= 0)
    return metrics_hist_min(h);
  double target_d = ceil(q * (double)h->total);
  int64_t target = target_d < 1 ? 1 : target_d > (double)h->total ? h->total : (int64_t)target_d;
  int64_t seen = 0;
  for (size_t i = 0; i < h->counts_len; i++) {
    seen += h->counts[i];
    if (seen >= target) {
      int64_t v = metrics_hist_highest_at(h, i);
      if (v > h->max_ticks)
        v = h->max_ticks;
      if (v < h->min_ticks)
        v = h->min_ticks;
      return (double)v * h->resolution;
    }
  }
  return metrics_hist_max(h);
}

double metrics_hist_mean(const metrics_hist *h) {
  return h->total ? (double)h->sum_ticks / (double)h->total * h->resolution : 0.0;
}

double metrics_hist_min(const metrics_hist *h) {
  return h->total ? (double)h->min_ticks * h->resolution : 0.0;
}

double metrics_hist_max(const metrics_hist *h) {
  return h->total ? (double)h->max_ticks * h->resolution : 0.0;
}
