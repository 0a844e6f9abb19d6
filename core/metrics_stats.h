/*
 * Summary statistics exactly as `vllm bench serve` computes them with numpy:
 * np.mean (pairwise summation), np.median, np.std (population, ddof=0) and
 * np.percentile (method "linear"), bit for bit. An empty array gives zeros,
 * as vllm's `np.mean(values or 0)` does. No Lua here.
 */
#ifndef OMNILUA_METRICS_STATS_H
#define OMNILUA_METRICS_STATS_H
#include <stddef.h>

typedef struct metrics_stats {
  size_t count;
  double mean, median, std, min, max;
} metrics_stats;

/* numpy's pairwise summation (np.add.reduce over a contiguous float64 array). */
double metrics_pairwise_sum(const double *v, size_t n);

/* numpy's percentile, method "linear", over an ascending array; p in [0, 100]. */
double metrics_percentile_sorted(const double *sorted, size_t n, double p);

/* Computes stats over v (in the caller's order, which the mean's rounding
 * depends on) and pct_out[i] = percentile(pcts[i]).
 * Returns 0; -1 out of memory; -2 a value is NaN; -3 a percentile is outside [0, 100]. */
int metrics_stats_compute(const double *v, size_t n, const double *pcts, size_t npcts,
                          metrics_stats *out, double *pct_out);

#endif
