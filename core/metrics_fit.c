/*
 * Two-pass sums (means first) keep the fit accurate when x is a large
 * timestamp. The t quantile inverts the t CDF, written with the regularized
 * incomplete beta function (continued fraction, modified Lentz), by
 * bisection: slow by numeric standards, instant for one interval.
 */
#include "metrics_fit.h"

#include <math.h>

static double beta_cf(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-16;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (fabs(d) < tiny)
    d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 10000; m++) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (fabs(d) < tiny)
      d = tiny;
    c = 1 + aa / c;
    if (fabs(c) < tiny)
      c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1) < eps)
      break;
  }
  return h;
}

double metrics_incomplete_beta(double a, double b, double x) {
  if (x <= 0)
    return 0;
  if (x >= 1)
    return 1;
  double ln_front = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  double front = exp(ln_front);
  if (x < (a + 1) / (a + b + 2))
    return front * beta_cf(a, b, x) / a;
  return 1 - front * beta_cf(b, a, 1 - x) / b;
}

/* P(T <= t) for t >= 0 */
static double t_cdf_upper_half(double t, double df) {
  double x = df / (df + t * t);
  return 1 - 0.5 * metrics_incomplete_beta(df / 2, 0.5, x);
}

double metrics_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0))
    return NAN;
  if (p == 0.5)
    return 0;
  double target = p > 0.5 ? p : 1 - p;
  double lo = 0, hi = 1;
  while (t_cdf_upper_half(hi, df) < target && hi < 1e300)
    hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    double mid = 0.5 * (lo + hi);
    if (t_cdf_upper_half(mid, df) < target)
      lo = mid;
    else
      hi = mid;
  }
  double t = 0.5 * (lo + hi);
  return p > 0.5 ? t : -t;
}

int metrics_fit_linear(const double *x, const double *y, size_t n, double confidence,
                       metrics_fit *out) {
  if (n < 2)
    return -1;
  if (!(confidence > 0 && confidence < 1))
    return -4;
  double xm = 0, ym = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(x[i]) || !isfinite(y[i]))
      return -3;
    xm += x[i];
    ym += y[i];
  }
  xm /= (double)n;
  ym /= (double)n;
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < n; i++) {
    double dx = x[i] - xm, dy = y[i] - ym;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx == 0)
    return -2;
  out->n = n;
  out->df = (int)n - 2;
  out->slope = sxy / sxx;
  out->intercept = ym - out->slope * xm;
  double r = (syy == 0) ? 0 : sxy / sqrt(sxx * syy);
  if (r > 1)
    r = 1;
  if (r < -1)
    r = -1;
  out->r2 = r * r;
  if (out->df == 0) {
    out->slope_stderr = out->intercept_stderr = out->t = NAN;
    out->slope_lo = -INFINITY;
    out->slope_hi = INFINITY;
    return 0;
  }
  double sse = 0; /* residuals, rather than (1 - r^2) syy, which cancels badly near r = 1 */
  for (size_t i = 0; i < n; i++) {
    double e = y[i] - (out->intercept + out->slope * x[i]);
    sse += e * e;
  }
  out->slope_stderr = sqrt(sse / out->df / sxx);
  out->intercept_stderr = out->slope_stderr * sqrt(sxx / (double)n + xm * xm);
  out->t = metrics_t_quantile(1 - (1 - confidence) / 2, out->df);
  out->slope_lo = out->slope - out->t * out->slope_stderr;
  out->slope_hi = out->slope + out->t * out->slope_stderr;
  return 0;
}
