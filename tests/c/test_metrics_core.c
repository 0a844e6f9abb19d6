/* Metrics core: numpy-exact summary statistics (expected values computed with
 * numpy 1.24.2 and pasted here), histogram bucket math, merge exactness,
 * quantile error bound, encoding round trip, and the linear fit. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics_fit.h"
#include "metrics_hist.h"
#include "metrics_stats.h"

/* v[i] = ((i*7919 + 13) % 10007) / 37.0: one correctly rounded division, so
 * numpy sees the very same doubles. Columns: mean, median, std, then
 * percentiles 0, 1, 25, 50, 90, 99, 99.9, 100. */
static const double P[] = {0, 1, 25, 50, 90, 99, 99.9, 100};
static const struct {
  size_t n;
  double v[11];
} NUMPY[] = {
    {1,
     {0.35135135135135137, 0.35135135135135137, 0, 0.35135135135135137, 0.35135135135135137,
      0.35135135135135137, 0.35135135135135137, 0.35135135135135137, 0.35135135135135137,
      0.35135135135135137, 0.35135135135135137}},
    {2,
     {107.36486486486487, 107.36486486486487, 107.01351351351352, 0.35135135135135137,
      2.4916216216216216, 53.858108108108112, 107.36486486486487, 192.97567567567569,
      212.23810810810812, 214.16435135135137, 214.37837837837839}},
    {7,
     {140.15057915057915, 157.94594594594594, 87.799755162551321, 0.35135135135135137,
      3.035135135135135, 73.297297297297291, 157.94594594594594, 232.27027027027029,
      256.42432432432435, 258.83972972972975, 259.10810810810813}},
    {8,
     {140.91216216216216, 152.09459459459458, 82.153864434749423, 0.35135135135135137,
      3.4824324324324323, 87.405405405405403, 152.09459459459458, 227.79729729729729,
      255.97702702702702, 258.79500000000002, 259.10810810810813}},
    {9,
     {135.23423423423424, 146.24324324324326, 79.102786755550625, 0.35135135135135137,
      3.9297297297297296, 89.810810810810807, 146.24324324324326, 223.32432432432435,
      255.52972972972975, 258.75027027027033, 259.10810810810813}},
    {127,
     {135.70844860608639, 137.91891891891891, 78.535439249252903, 0.35135135135135137,
      2.1897297297297298, 68.094594594594597, 137.91891891891891, 244.07567567567568,
      266.10756756756757, 268.46751351351355, 268.72972972972974}},
    {128,
     {135.70945945945948, 136.87837837837839, 78.228059489249858, 0.35135135135135137,
      2.2105405405405407, 68.939189189189193, 136.87837837837839, 243.86756756756756,
      266.08675675675676, 268.46543243243246, 268.72972972972974}},
    {129,
     {135.27299392415671, 135.83783783783784, 78.080564685631416, 0.35135135135135137,
      2.2313513513513517, 69.78378378378379, 135.83783783783784, 243.65945945945947,
      266.06594594594594, 268.46335135135138, 268.72972972972974}},
    {1000,
     {135.40686486486484, 135.43243243243245, 78.110976385585033, 0.081081081081081086,
      2.9432432432432436, 67.635135135135144, 135.43243243243245, 243.51351351351352,
      267.6783783783784, 270.02727027027032, 270.27027027027026}},
    {10007,
     {135.21621621621622, 135.21621621621622, 78.074920472071142, 0, 2.7043243243243245,
      67.608108108108112, 135.21621621621622, 243.38918918918918, 267.72810810810813,
      270.16200000000003, 270.43243243243245}},
};

static void test_stats_exact(void) {
  static double v[10007];
  for (size_t i = 0; i < 10007; i++)
    v[i] = (double)((i * 7919 + 13) % 10007) / 37.0;
  for (size_t k = 0; k < sizeof NUMPY / sizeof *NUMPY; k++) {
    metrics_stats s;
    double pct[8];
    CHECK_EQ_INT(metrics_stats_compute(v, NUMPY[k].n, P, 8, &s, pct), 0);
    CHECK_EQ_INT(s.count, NUMPY[k].n);
    CHECK_NEAR(s.mean, NUMPY[k].v[0], 0);
    CHECK_NEAR(s.median, NUMPY[k].v[1], 0);
    CHECK_NEAR(s.std, NUMPY[k].v[2], 0);
    for (int j = 0; j < 8; j++)
      CHECK_NEAR(pct[j], NUMPY[k].v[3 + j], 0);
  }
  /* numpy's pairwise sum is not the naive loop: 10007 values differ */
  double naive = 0;
  for (size_t i = 0; i < 10007; i++)
    naive += v[i];
  CHECK(naive / 10007 != NUMPY[9].v[0]);
}

static void test_stats_hand(void) {
  metrics_stats s;
  double pct[3], ps[] = {50, 90, 99};
  const double a[] = {1, 2, 3, 4};
  CHECK_EQ_INT(metrics_stats_compute(a, 4, ps, 3, &s, pct), 0);
  CHECK_NEAR(s.mean, 2.5, 0);
  CHECK_NEAR(s.median, 2.5, 0);
  CHECK_NEAR(s.std, 1.1180339887498949, 0);
  CHECK_NEAR(pct[0], 2.5, 0);
  CHECK_NEAR(pct[1], 3.7000000000000002, 0);
  CHECK_NEAR(pct[2], 3.9699999999999998, 0);
  CHECK_NEAR(s.min, 1, 0);
  CHECK_NEAR(s.max, 4, 0);
  /* a TTFT trace in seconds, in request order (not sorted) */
  const double t[] = {0.1, 0.2, 0.15, 0.3, 0.12};
  double p2[] = {99, 90};
  CHECK_EQ_INT(metrics_stats_compute(t, 5, p2, 2, &s, pct), 0);
  CHECK_NEAR(s.mean, 0.17399999999999999, 0);
  CHECK_NEAR(s.median, 0.14999999999999999, 0);
  CHECK_NEAR(s.std, 0.071442284397967001, 0);
  CHECK_NEAR(pct[0], 0.29599999999999999, 0);
  CHECK_NEAR(pct[1], 0.26000000000000001, 0);
  /* empty: zeros, like vllm's np.mean(x or 0) */
  CHECK_EQ_INT(metrics_stats_compute(NULL, 0, ps, 3, &s, pct), 0);
  CHECK(s.mean == 0 && s.std == 0 && s.median == 0 && pct[2] == 0 && s.count == 0);
  const double bad[] = {1, NAN};
  CHECK_EQ_INT(metrics_stats_compute(bad, 2, ps, 3, &s, pct), -2);
  double outside[] = {101};
  CHECK_EQ_INT(metrics_stats_compute(a, 4, outside, 1, &s, pct), -3);
}

static uint64_t rng_state = 42;
static double rnd(void) { /* splitmix64 -> [0, 1) */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

static int cmp(const void *x, const void *y) {
  double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static void test_hist_buckets(void) {
  metrics_hist h;
  CHECK_EQ_INT(metrics_hist_init(&h, 3, 0.001, 3600e3), 0); /* ms: 1 us .. 1 h */
  CHECK_EQ_INT(h.sub_bucket_count, 2048);
  CHECK_EQ_INT(h.highest, 3600000000LL);
  CHECK_EQ_INT(h.bucket_count, 22);
  CHECK_EQ_INT(h.counts_len, 23 * 1024);
  int64_t probes[] = {0,    1,      2047,   2048,    2049,         4095,
                      4096, 123456, 999999, 1000000, 3599999999LL, 3600000000LL};
  for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
    size_t idx = metrics_hist_index_of(&h, probes[i]);
    int64_t lo = metrics_hist_lowest_at(&h, idx), hi = metrics_hist_highest_at(&h, idx);
    CHECK(idx < h.counts_len);
    CHECK(lo <= probes[i] && probes[i] <= hi);
    CHECK((double)(hi - lo) <= (double)lo / 1000.0 || hi == lo); /* 3 significant digits */
  }
  CHECK_EQ_INT(metrics_hist_index_of(&h, 2047), 2047); /* exact below 2048 ticks */
  metrics_hist_free(&h);
  CHECK_EQ_INT(metrics_hist_init(&h, 0, 0.001, 10), -1);
  CHECK_EQ_INT(metrics_hist_init(&h, 3, 0, 10), -1);
  CHECK_EQ_INT(metrics_hist_init(&h, 3, 1, 1), -1);
}

static void test_hist_merge_and_quantiles(void) {
  enum { N = 100000, SHARDS = 4 };
  static double v[N];
  metrics_hist all, shard[SHARDS], merged;
  metrics_hist_init(&all, 3, 0.001, 3600e3);
  metrics_hist_init(&merged, 3, 0.001, 3600e3);
  for (int s = 0; s < SHARDS; s++)
    metrics_hist_init(&shard[s], 3, 0.001, 3600e3);
  int record_errors = 0;
  for (int i = 0; i < N; i++) {
    v[i] = exp(2 + 3 * rnd()) * (rnd() < 0.01 ? 50 : 1); /* 7 ms .. 20 s with a tail */
    record_errors += metrics_hist_record(&all, v[i], 1) != 0;
    record_errors += metrics_hist_record(&shard[i % SHARDS], v[i], 1) != 0;
  }
  CHECK_EQ_INT(record_errors, 0);
  for (int s = 0; s < SHARDS; s++)
    CHECK_EQ_INT(metrics_hist_merge(&merged, &shard[s]), 0);
  CHECK(memcmp(all.counts, merged.counts, all.counts_len * sizeof *all.counts) == 0);
  CHECK_EQ_INT(merged.total, N);
  CHECK(merged.sum_ticks == all.sum_ticks && merged.min_ticks == all.min_ticks &&
        merged.max_ticks == all.max_ticks);
  CHECK_NEAR(metrics_hist_mean(&merged), metrics_hist_mean(&all), 0);
  qsort(v, N, sizeof *v, cmp);
  double qs[] = {0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1};
  for (size_t k = 0; k < sizeof qs / sizeof *qs; k++) {
    double hq = metrics_hist_quantile(&all, qs[k]);
    CHECK_NEAR(metrics_hist_quantile(&merged, qs[k]), hq, 0);
    size_t rank = (size_t)ceil(qs[k] * N); /* nearest rank, 1-based */
    double exact = v[rank ? rank - 1 : 0];
    /* bucket width <= value/1024 (< 10^-3) plus half a tick of rounding */
    CHECK_NEAR(hq, exact, exact * 1e-3 + 0.0005);
  }
  double sum = 0;
  for (int i = 0; i < N; i++)
    sum += v[i];
  CHECK_NEAR(metrics_hist_mean(&all), sum / N, 0.0005); /* exact up to rounding to ticks */
  CHECK_NEAR(metrics_hist_min(&all), v[0], 0.0005);
  CHECK_NEAR(metrics_hist_max(&all), v[N - 1], 0.0005);

  /* encode -> decode gives the same histogram, compactly */
  char *text;
  size_t len;
  CHECK_EQ_INT(metrics_hist_encode(&merged, &text, &len), 0);
  /* ~12k non-empty buckets (7 ms .. 20 s at 3 digits): 1-3 bytes each */
  CHECK(len < 48000);
  metrics_hist back;
  char err[128];
  CHECK_EQ_INT(metrics_hist_decode(text, len, &back, err, sizeof err), 0);
  CHECK(memcmp(back.counts, all.counts, all.counts_len * sizeof *all.counts) == 0);
  CHECK(back.total == all.total && back.sum_ticks == all.sum_ticks &&
        back.min_ticks == all.min_ticks && back.max_ticks == all.max_ticks);
  CHECK_NEAR(back.resolution, 0.001, 0);
  text[len / 2] = text[len / 2] == 'A' ? 'B' : 'A'; /* corrupt: detected, not accepted */
  metrics_hist bad;
  CHECK_EQ_INT(metrics_hist_decode(text, len, &bad, err, sizeof err), -1);
  CHECK(strncmp(err, "invalid histogram", 17) == 0);
  CHECK_EQ_INT(metrics_hist_decode("not a histogram!", 16, &bad, err, sizeof err), -1);
  free(text);

  metrics_hist other; /* different settings do not merge */
  metrics_hist_init(&other, 2, 0.001, 3600e3);
  CHECK_EQ_INT(metrics_hist_merge(&all, &other), -1);
  metrics_hist_free(&other);
  metrics_hist_free(&back);
  metrics_hist_free(&all);
  metrics_hist_free(&merged);
  for (int s = 0; s < SHARDS; s++)
    metrics_hist_free(&shard[s]);
}

static void test_hist_edges(void) {
  metrics_hist h;
  metrics_hist_init(&h, 3, 0.001, 1000); /* up to 1 s in ms */
  CHECK_NEAR(metrics_hist_quantile(&h, 0.5), 0, 0);
  CHECK_NEAR(metrics_hist_mean(&h), 0, 0);
  CHECK_EQ_INT(metrics_hist_record(&h, -1, 1), -1);
  CHECK_EQ_INT(metrics_hist_record(&h, NAN, 1), -1);
  CHECK_EQ_INT(metrics_hist_record(&h, 5000, 1), 0); /* clamped to the highest value */
  CHECK_EQ_INT(h.clamped, 1);
  CHECK_NEAR(metrics_hist_max(&h), 1000, 1e-9);
  CHECK_EQ_INT(metrics_hist_record(&h, 2.5, 3), 0);
  CHECK_EQ_INT(h.total, 4);
  /* the bucket holding 2500 ticks is 2 wide: its highest value is reported */
  CHECK_NEAR(metrics_hist_quantile(&h, 0.75), 2.501, 1e-12);
  CHECK_NEAR(metrics_hist_quantile(&h, 0), 2.5, 1e-12);
  CHECK_NEAR(metrics_hist_quantile(&h, 1), 1000, 1e-9);
  char *text;
  size_t len;
  metrics_hist empty, back;
  char err[128];
  metrics_hist_init(&empty, 3, 0.001, 1000);
  CHECK_EQ_INT(metrics_hist_encode(&empty, &text, &len), 0);
  CHECK_EQ_INT(metrics_hist_decode(text, len, &back, err, sizeof err), 0);
  CHECK_EQ_INT(back.total, 0);
  CHECK_EQ_INT(metrics_hist_merge(&back, &h), 0); /* an empty one merges with anything alike */
  CHECK_NEAR(metrics_hist_min(&back), 2.5, 1e-12);
  free(text);
  metrics_hist_free(&back);
  metrics_hist_free(&empty);
  metrics_hist_free(&h);
}

static void test_fit(void) {
  metrics_fit f;
  const double x[] = {1, 2, 3, 4, 5}, exact[] = {3, 5, 7, 9, 11};
  CHECK_EQ_INT(metrics_fit_linear(x, exact, 5, 0.95, &f), 0);
  CHECK_NEAR(f.slope, 2, 1e-15);
  CHECK_NEAR(f.intercept, 1, 1e-14);
  CHECK_NEAR(f.r2, 1, 1e-15);
  CHECK_NEAR(f.slope_stderr, 0, 1e-15);
  CHECK_NEAR(f.slope_lo, 2, 1e-14);
  /* numpy: slope 1.99, intercept 0.05, r2 0.997305..., stderr 0.0597215... */
  const double y[] = {2.1, 3.9, 6.2, 7.8, 10.1};
  CHECK_EQ_INT(metrics_fit_linear(x, y, 5, 0.95, &f), 0);
  CHECK_EQ_INT(f.df, 3);
  CHECK_NEAR(f.slope, 1.9899999999999998, 1e-14);
  CHECK_NEAR(f.intercept, 0.050000000000001599, 1e-13);
  CHECK_NEAR(f.r2, 0.99730532890097701, 1e-14);
  CHECK_NEAR(f.slope_stderr, 0.059721576223896594, 1e-15);
  CHECK_NEAR(f.intercept_stderr, 0.19807406022327506, 1e-14);
  CHECK_NEAR(f.t, 3.1824463052842638, 1e-9); /* t(0.975, 3) from tables */
  CHECK_NEAR(f.slope_lo, 1.99 - 3.1824463052842638 * 0.059721576223896594, 1e-9);
  CHECK_NEAR(f.slope_hi, 1.99 + 3.1824463052842638 * 0.059721576223896594, 1e-9);
  /* flat y: slope 0, r2 0 (as scipy), a tight bound around 0 */
  const double flat[] = {4, 4, 4, 4, 4};
  CHECK_EQ_INT(metrics_fit_linear(x, flat, 5, 0.95, &f), 0);
  CHECK_NEAR(f.slope, 0, 0);
  CHECK_NEAR(f.r2, 0, 0);
  CHECK(f.slope_lo == 0 && f.slope_hi == 0);
  /* two points: a line but no interval */
  CHECK_EQ_INT(metrics_fit_linear(x, exact, 2, 0.95, &f), 0);
  CHECK(isnan(f.slope_stderr) && isinf(f.slope_lo) && f.slope_lo < 0 && isinf(f.slope_hi));
  const double same_x[] = {3, 3, 3};
  CHECK_EQ_INT(metrics_fit_linear(same_x, y, 3, 0.95, &f), -2);
  CHECK_EQ_INT(metrics_fit_linear(x, y, 1, 0.95, &f), -1);
  CHECK_EQ_INT(metrics_fit_linear(x, y, 5, 1.5, &f), -4);
  const double nan_y[] = {1, NAN, 3};
  CHECK_EQ_INT(metrics_fit_linear(x, nan_y, 3, 0.95, &f), -3);
}

static void test_t_quantile(void) {
  const double pi = 3.14159265358979323846;
  /* closed forms: df 1 is Cauchy, df 2 has t = (2p-1)/sqrt(2p(1-p)) */
  CHECK_NEAR(metrics_t_quantile(0.975, 1), tan(pi * 0.475), 1e-9);
  CHECK_NEAR(metrics_t_quantile(0.975, 2), 0.95 / sqrt(2 * 0.975 * 0.025), 1e-12);
  CHECK_NEAR(metrics_t_quantile(0.995, 2), 0.99 / sqrt(2 * 0.995 * 0.005), 1e-11);
  /* table values */
  CHECK_NEAR(metrics_t_quantile(0.975, 5), 2.5705818366147395, 1e-9);
  CHECK_NEAR(metrics_t_quantile(0.975, 10), 2.2281388519649385, 1e-9);
  CHECK_NEAR(metrics_t_quantile(0.975, 30), 2.0422724563012373, 1e-9);
  CHECK_NEAR(metrics_t_quantile(0.975, 1e6), 1.959966, 1e-5);
  CHECK_NEAR(metrics_t_quantile(0.025, 10), -2.2281388519649385, 1e-9);
  CHECK_NEAR(metrics_t_quantile(0.5, 7), 0, 0);
  CHECK(isnan(metrics_t_quantile(1.0, 3)));
}

int main(void) {
  test_stats_exact();
  test_stats_hand();
  test_hist_buckets();
  test_hist_merge_and_quantiles();
  test_hist_edges();
  test_fit();
  test_t_quantile();
  return check_summary("test_metrics_core");
}
