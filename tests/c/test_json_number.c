/* json_number against Python's repr(float) / json.dumps, value by value. */
#include "check.h"
#include "json_number.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static void is(double v, const char *python) {
  char buf[JSON_NUMBER_MAX];
  size_t n = json_number(v, buf);
  CHECK_EQ_STR(buf, python);
  CHECK_EQ_INT(n, strlen(python));
}

/* The general path, for comparison with the nanosecond shortcut. */
static void general(double v, char *out) {
  for (int d = 15; d <= 17; d++) {
    snprintf(out, JSON_NUMBER_MAX, "%.*g", d, v);
    if (strtod(out, NULL) == v)
      return;
  }
}

static void test_ns_grid_matches_general(void) {
  uint64_t x = 88172645463325252ull; /* xorshift */
  int mismatches = 0;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    long long ns = (long long)(x % 2000000000000000ull); /* up to 2e6 s */
    double v = (double)ns / (i % 3 == 0 ? 1e9 : i % 3 == 1 ? 1e6 : 1e3);
    if (i % 5 == 0)
      v = -v;
    if (v == floor(v))
      continue;
    char a[JSON_NUMBER_MAX], b[JSON_NUMBER_MAX];
    json_number(v, a);
    general(v, b);
    if (strcmp(a, b) != 0 && mismatches++ < 5)
      fprintf(stderr, "%.17g: %s != %s\n", v, a, b);
    CHECK(strtod(a, NULL) == v);
  }
  CHECK_EQ_INT(mismatches, 0);
}

int main(void) {
  test_ns_grid_matches_general();
  is(0.010001244, "0.010001244");
  is(-123.5, "-123.5");
  is(999999.000000001, "999999.000000001");
  is(0.0001, "0.0001");
  is(0.00001, "1e-05");
  is(0.1, "0.1");
  is(0.1 + 0.2, "0.30000000000000004"); /* 17 digits */
  is(1.0 / 3.0, "0.3333333333333333");  /* 16 digits */
  is(2.0 / 3.0, "0.6666666666666666");  /* 16: %.15g would not read back */
  is(10.000123, "10.000123");
  is(2.0, "2.0");
  is(-0.0, "-0.0");
  is(1e15, "1000000000000000.0");
  is(1e16, "1e+16");
  is(1e-7, "1e-07");
  is(123456789012345678.0, "1.2345678901234568e+17");
  is(5e-324, "5e-324");
  is(1.7976931348623157e308, "1.7976931348623157e+308");
  is(NAN, "NaN");
  is(INFINITY, "Infinity");
  is(-INFINITY, "-Infinity");
  return check_summary("test_json_number");
}
