/*
 * A minimal C unit-test harness: CHECK(cond) records a failure with file:line
 * and goes on; CHECK_EQ_INT / CHECK_EQ_STR / CHECK_NEAR show both values.
 * main() ends with `return check_summary("name");`, which prints
 * "name: N checks, F failed" and returns non-zero on failure (for ctest).
 */
#ifndef OMNILUA_CHECK_H
#define OMNILUA_CHECK_H
#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_count, check_failed;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    check_count++;                                                                                 \
    if (!(cond)) {                                                                                 \
      check_failed++;                                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                     \
    }                                                                                              \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
  do {                                                                                             \
    long long va_ = (long long)(a), vb_ = (long long)(b);                                          \
    check_count++;                                                                                 \
    if (va_ != vb_) {                                                                              \
      check_failed++;                                                                              \
      fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, va_, vb_);    \
    }                                                                                              \
  } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
  do {                                                                                             \
    const char *sa_ = (a), *sb_ = (b);                                                             \
    check_count++;                                                                                 \
    if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0) {                                     \
      check_failed++;                                                                              \
      fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b,           \
              sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                                         \
    }                                                                                              \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
  do {                                                                                             \
    double da_ = (a), db_ = (b);                                                                   \
    check_count++;                                                                                 \
    if (!(fabs(da_ - db_) <= (tol))) {                                                             \
      check_failed++;                                                                              \
      fprintf(stderr, "%s:%d: %s ~= %s: %.17g != %.17g (tol %g)\n", __FILE__, __LINE__, #a, #b,    \
              da_, db_, (double)(tol));                                                            \
    }                                                                                              \
  } while (0)

static inline int check_summary(const char *name) {
  printf("%s: %d checks, %d failed\n", name, check_count, check_failed);
  return check_failed != 0;
}

#endif
