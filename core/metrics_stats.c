/*
 * Ports of the numpy code paths vllm's benchmark goes through, kept in the
 * same operation order so the results match to the last bit:
 * numpy/_core/src/umath/loops_utils.h.src (pairwise_sum) and
 * numpy/lib/function_base.py (_lerp, _quantile with method "linear").
 */
#include "metrics_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PW_BLOCKSIZE 128

double metrics_pairwise_sum(const double *a, size_t n) {
  if (n < 8) {
    double res = 0.;
    for (size_t i = 0; i < n; i++)
      res += a[i];
    return res;
  }
  if (n <= PW_BLOCKSIZE) {
    double r[8];
    for (int j = 0; j < 8; j++)
      r[j] = a[j];
    size_t i;
    for (i = 8; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; j++)
        r[j] += a[i + j];
    double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; i++) /* the rest that is not a multiple of 8 */
      res += a[i];
    return res;
  }
  size_t n2 = n / 2; /* halves, each a multiple of the unroll factor */
  n2 -= n2 % 8;
  return metrics_pairwise_sum(a, n2) + metrics_pairwise_sum(a + n2, n - n2);
}

double metrics_percentile_sorted(const double *s, size_t n, double p) {
  if (n == 0)
    return 0.0;
  double q = p / 100.0;
  double vi = (double)(n - 1) * q; /* virtual index */
  if (vi >= (double)(n - 1))
    return s[n - 1];
  if (vi < 0)
    return s[0];
  double prev = floor(vi);
  size_t i = (size_t)prev;
  double t = vi - prev;
  double a = s[i], b = s[i + 1];
  double diff = b - a;
  /* numpy's _lerp: from below for t < 0.5, from above otherwise */
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

static int cmp_double(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

int metrics_stats_compute(const double *v, size_t n, const double *pcts, size_t npcts,
                          metrics_stats *out, double *pct_out) {
  memset(out, 0, sizeof *out);
  for (size_t k = 0; k < npcts; k++)
    if (!(pcts[k] >= 0 && pcts[k] <= 100))
      return -3;
  for (size_t i = 0; i < n; i++)
    if (isnan(v[i]))
      return -2;
  if (n == 0) {
    for (size_t k = 0; k < npcts; k++)
      pct_out[k] = 0.0;
    return 0;
  }
  double *tmp = malloc(n * sizeof *tmp);
  if (tmp == NULL)
    return -1;
  out->count = n;
  out->mean = metrics_pairwise_sum(v, n) / (double)n;
  /* np.std: sum of squared deviations, in the original order */
  for (size_t i = 0; i < n; i++) {
    double d = v[i] - out->mean;
    tmp[i] = d * d;
  }
  out->std = sqrt(metrics_pairwise_sum(tmp, n) / (double)n);
  memcpy(tmp, v, n * sizeof *tmp);
  qsort(tmp, n, sizeof *tmp, cmp_double);
  out->min = tmp[0];
  out->max = tmp[n - 1];
  /* np.median: the middle element, or the mean of the middle two */
  out->median = n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2.0;
  for (size_t k = 0; k < npcts; k++)
    pct_out[k] = metrics_percentile_sorted(tmp, n, pcts[k]);
  free(tmp);
  return 0;
}
