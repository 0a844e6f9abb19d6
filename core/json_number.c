#include "json_number.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Formats v with that many significant digits; 1 if the text reads back as v. */
static int reads_back(double v, int digits, char *out, int *n) {
  *n = snprintf(out, JSON_NUMBER_MAX, "%.*g", digits, v);
  return strtod(out, NULL) == v;
}

/* Most values in a result are times from nanosecond clocks: v = k / 1e9.
 * For those the shortest text that reads back is that decimal with its
 * trailing zeros dropped, written with integer formatting (a tenth of the
 * cost of %g). Only where Python writes plain decimals (1e-4 <= |v|) and
 * where doubles are finer than a nanosecond (|v| < 1e6, so that no other
 * decimal of the grid reads back as v). */
static int on_ns_grid(double v, char *out, int *n) {
  double a = fabs(v);
  if (!(a >= 1e-4 && a < 1e6))
    return 0;
  double k = nearbyint(a * 1e9);
  if (k / 1e9 != a) /* exact: both are the double nearest to k / 10^9 */
    return 0;
  long long q = (long long)k, whole = q / 1000000000, frac = q % 1000000000;
  if (frac == 0)
    return 0;
  int digits = 9;
  while (frac % 10 == 0) {
    frac /= 10;
    digits--;
  }
  *n = snprintf(out, JSON_NUMBER_MAX, "%s%lld.%0*lld", v < 0 ? "-" : "", whole, digits, frac);
  return 1;
}

size_t json_number(double v, char *out) {
  int n;
  if (isnan(v))
    n = snprintf(out, JSON_NUMBER_MAX, "NaN");
  else if (isinf(v))
    n = snprintf(out, JSON_NUMBER_MAX, v > 0 ? "Infinity" : "-Infinity");
  else if (v == floor(v) && fabs(v) < 1e16)
    n = snprintf(out, JSON_NUMBER_MAX, "%.1f", v);
  else if (on_ns_grid(v, out, &n))
    ;
  else if (fabs(v) < DBL_MIN) {
    /* subnormal: fewer than 15 digits of precision, so %.15g can read back
     * with digits to spare (4.94065645841247e-324): search the shortest */
    int lo = 1, hi = 17;
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (reads_back(v, mid, out, &n))
        hi = mid;
      else
        lo = mid + 1;
    }
    reads_back(v, lo, out, &n);
  } else if (!reads_back(v, 15, out, &n) && !reads_back(v, 16, out, &n)) {
    /* A normal double has more than 15 digits of precision: a shorter text
     * that reads back is this one with its zeros dropped, which %g does. */
    n = snprintf(out, JSON_NUMBER_MAX, "%.17g", v); /* 17 digits always read back */
  }
  return (size_t)n;
}
