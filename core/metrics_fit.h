/*
 * Least-squares line y = intercept + slope * x with the statistics a trend
 * check needs (L5 stability: does memory or latency grow over hours?):
 * r^2, the standard error of the slope and a two-sided Student-t confidence
 * interval for it. Formulas as scipy.stats.linregress. No Lua.
 */
#ifndef OMNILUA_METRICS_FIT_H
#define OMNILUA_METRICS_FIT_H
#include <stddef.h>

typedef struct metrics_fit {
  size_t n;
  int df; /* n - 2 */
  double slope, intercept;
  double r2;           /* 0 when all y are equal (as scipy's r = 0) */
  double slope_stderr; /* NaN when n == 2 */
  double intercept_stderr;
  double t;                  /* the t quantile used for the interval */
  double slope_lo, slope_hi; /* -inf/+inf when n == 2 */
} metrics_fit;

/* 0; -1 fewer than 2 points; -2 all x equal; -3 a NaN or infinite value;
 * -4 confidence outside (0, 1). */
int metrics_fit_linear(const double *x, const double *y, size_t n, double confidence,
                       metrics_fit *out);

/* Quantile of Student's t distribution: t with P(T <= t) = p, df > 0. */
double metrics_t_quantile(double p, double df);

/* Regularized incomplete beta function I_x(a, b). */
double metrics_incomplete_beta(double a, double b, double x);

#endif
