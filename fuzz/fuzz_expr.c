/* libFuzzer target: the -m/-k expression parser and evaluator. */
#include <stddef.h>
#include <stdint.h>

#include "expr.h"

static int every_other(void *ud, const expr_ident *id) {
  (void)id;
  return (*(int *)ud)++ & 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  expr *e = NULL;
  char err[256];
  if (expr_compile((const char *)data, size, &e, err, sizeof err) == 0) {
    int n = 0;
    expr_eval(e, every_other, &n);
    expr_free(e);
  }
  return 0;
}
