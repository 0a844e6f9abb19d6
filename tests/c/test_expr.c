/*
 * pytest's -m/-k expression grammar (core/expr.c): every rule, every error
 * form and column, precedence, keyword-vs-ident, call syntax, nesting limits.
 * Expected texts come from /work/shared/reference/pytest.md and from running
 * pytest's own Expression.compile on the same inputs.
 */
#include <stdlib.h>

#include "check.h"
#include "expr.h"

/* An ident is true iff its name is one of the space-separated words in
 * `truths`; the callback also counts calls to show short-circuiting. */
typedef struct {
  const char *truths;
  int calls;
} truth_set;

static int ident_in_set(void *ud, const expr_ident *id) {
  truth_set *t = ud;
  t->calls++;
  const char *p = t->truths;
  while (*p) {
    while (*p == ' ')
      p++;
    const char *w = p;
    while (*p && *p != ' ')
      p++;
    if ((size_t)(p - w) == id->len && memcmp(w, id->name, id->len) == 0)
      return 1;
  }
  return 0;
}

/* -1 on a compile error, else the value of src with `truths` true. */
static int eval_src(const char *src, const char *truths) {
  expr *e;
  char err[256];
  if (expr_compile(src, strlen(src), &e, err, sizeof err) != EXPR_OK) {
    fprintf(stderr, "unexpected error for '%s': %s\n", src, err);
    return -1;
  }
  truth_set t = {truths, 0};
  int v = expr_eval(e, ident_in_set, &t);
  expr_free(e);
  return v;
}

static int calls_for(const char *src, const char *truths) {
  expr *e;
  char err[256];
  if (expr_compile(src, strlen(src), &e, err, sizeof err) != EXPR_OK)
    return -1;
  truth_set t = {truths, 0};
  expr_eval(e, ident_in_set, &t);
  expr_free(e);
  return t.calls;
}

/* The error text for src, or "OK". */
static const char *error_of(const char *src, size_t len) {
  static char err[512];
  expr *e;
  int st = expr_compile(src, len, &e, err, sizeof err);
  if (st == EXPR_OK) {
    expr_free(e);
    return "OK";
  }
  if (st == EXPR_ENOMEM)
    return "ENOMEM";
  return err;
}
#define ERR(src) error_of(src, strlen(src))

static void test_basic_evaluation(void) {
  CHECK_EQ_INT(eval_src("a", "a"), 1);
  CHECK_EQ_INT(eval_src("a", "b"), 0);
  CHECK_EQ_INT(eval_src("not a", "a"), 0);
  CHECK_EQ_INT(eval_src("not a", ""), 1);
  CHECK_EQ_INT(eval_src("not not a", "a"), 1);
  CHECK_EQ_INT(eval_src("not not not a", "a"), 0);
  CHECK_EQ_INT(eval_src("a and b", "a b"), 1);
  CHECK_EQ_INT(eval_src("a and b", "a"), 0);
  CHECK_EQ_INT(eval_src("a and b", "b"), 0);
  CHECK_EQ_INT(eval_src("a or b", "b"), 1);
  CHECK_EQ_INT(eval_src("a or b", "a"), 1);
  CHECK_EQ_INT(eval_src("a or b", ""), 0);
  CHECK_EQ_INT(eval_src("(a)", "a"), 1);
  CHECK_EQ_INT(eval_src("((((a))))", "a"), 1);
  CHECK_EQ_INT(eval_src("not (a or b)", ""), 1);
  CHECK_EQ_INT(eval_src("not (a or b)", "b"), 0);
  CHECK_EQ_INT(eval_src("not (a and b)", "a b"), 0);
  CHECK_EQ_INT(eval_src("not (a and b)", "a"), 1);
  CHECK_EQ_INT(eval_src("(a or b) and c", "a"), 0);
  CHECK_EQ_INT(eval_src("(a or b) and c", "b c"), 1);
  CHECK_EQ_INT(eval_src("(a and b) or (c and d)", "c d"), 1);
  CHECK_EQ_INT(eval_src("(a and b) or (c and d)", "a d"), 0);
}

static void test_precedence(void) {
  /* not > and > or: "a or b and not c" = a or (b and (not c)) */
  CHECK_EQ_INT(eval_src("a or b and not c", "a c"), 1);
  CHECK_EQ_INT(eval_src("a or b and not c", "b c"), 0);
  CHECK_EQ_INT(eval_src("a or b and not c", "b"), 1);
  /* "a and b or c" = (a and b) or c */
  CHECK_EQ_INT(eval_src("a and b or c", "c"), 1);
  CHECK_EQ_INT(eval_src("a and b or c", "a"), 0);
  /* "not a and b" = (not a) and b */
  CHECK_EQ_INT(eval_src("not a and b", "b"), 1);
  CHECK_EQ_INT(eval_src("not a and b", ""), 0);
  CHECK_EQ_INT(eval_src("not a or b", "a"), 0);
  CHECK_EQ_INT(eval_src("not a or b", "a b"), 1);
  /* left-associative chains */
  CHECK_EQ_INT(eval_src("a and b and c", "a b c"), 1);
  CHECK_EQ_INT(eval_src("a and b and c", "a c"), 0);
  CHECK_EQ_INT(eval_src("a or b or c", "c"), 1);
  CHECK_EQ_INT(eval_src("a or b or c", ""), 0);
  /* truth table of "a or b and c" against a or (b and c) */
  const char *sets[] = {"", "a", "b", "c", "a b", "a c", "b c", "a b c"};
  int expected[] = {0, 1, 0, 0, 1, 1, 1, 1};
  for (int i = 0; i < 8; i++)
    CHECK_EQ_INT(eval_src("a or b and c", sets[i]), expected[i]);
}

static void test_short_circuit(void) {
  CHECK_EQ_INT(calls_for("a or b", "a"), 1);
  CHECK_EQ_INT(calls_for("a or b", ""), 2);
  CHECK_EQ_INT(calls_for("a and b", ""), 1);
  CHECK_EQ_INT(calls_for("a and b", "a"), 2);
  CHECK_EQ_INT(calls_for("a and b and c and d", ""), 1);
  CHECK_EQ_INT(calls_for("(a or b) and c", ""), 2);
  CHECK_EQ_INT(calls_for("not a and b", "a"), 1);
}

static void test_empty(void) {
  CHECK_EQ_STR(ERR(""), "OK");
  CHECK_EQ_INT(eval_src("", "a"), 0);
  CHECK_EQ_INT(eval_src("   ", "a"), 0);
  CHECK_EQ_INT(eval_src("\t \t", ""), 0);
  CHECK_EQ_INT(calls_for("", "a"), 0);
}

static void test_identifiers(void) {
  /* keywords only when the whole ident run is exactly or/and/not */
  CHECK_EQ_INT(eval_src("order", "order"), 1);
  CHECK_EQ_INT(eval_src("Not", "Not"), 1);
  CHECK_EQ_INT(eval_src("AND", "AND"), 1);
  CHECK_EQ_INT(eval_src("OR or android", "android"), 1);
  CHECK_EQ_INT(eval_src("notice", "notice"), 1);
  CHECK_EQ_INT(eval_src("not notice", "notice"), 0);
  CHECK_EQ_INT(eval_src("nota and andy", "nota andy"), 1);
  CHECK_EQ_INT(eval_src("not_a", "not_a"), 1);
  /* True/False/None are plain idents */
  CHECK_EQ_INT(eval_src("True", ""), 0);
  CHECK_EQ_INT(eval_src("None", "None"), 1);
  CHECK_EQ_INT(eval_src("False or True", "True"), 1);
  /* pytest's ident characters: \w : + - . [ ] \ / */
  CHECK_EQ_INT(eval_src("test_a.lua::grp::name[1-2]", "test_a.lua::grp::name[1-2]"), 1);
  CHECK_EQ_INT(eval_src("a/b\\c+d", "a/b\\c+d"), 1);
  CHECK_EQ_INT(eval_src("1.5+x", "1.5+x"), 1);
  CHECK_EQ_INT(eval_src("-", "-"), 1);
  CHECK_EQ_INT(eval_src("[]", "[]"), 1);
  CHECK_EQ_INT(eval_src("caf\xc3\xa9", "caf\xc3\xa9"), 1);
  /* only space and tab separate tokens */
  CHECK_EQ_INT(eval_src("a\tand\tb", "a b"), 1);
  CHECK_EQ_INT(eval_src("  a  ", "a"), 1);
  CHECK_EQ_INT(eval_src("(a)and(b)", "a b"), 1);
  /* the ident is kept as written; its lowercase copy serves -k */
  expr *e;
  char err[128];
  CHECK_EQ_INT(expr_compile("GPU or Slow", 11, &e, err, sizeof err), EXPR_OK);
  CHECK_EQ_INT(expr_ident_count(e), 2);
  CHECK_EQ_STR(expr_ident_at(e, 0)->name, "GPU");
  CHECK_EQ_STR(expr_ident_at(e, 0)->lower, "gpu");
  CHECK_EQ_STR(expr_ident_at(e, 1)->lower, "slow");
  CHECK(expr_ident_at(e, 2) == NULL);
  CHECK_EQ_INT(expr_has_calls(e), 0);
  expr_free(e);
}

static void test_errors(void) {
  CHECK_EQ_STR(ERR("a and"),
               "at column 6: expected not OR left parenthesis OR identifier; got end of input");
  CHECK_EQ_STR(ERR("a or"),
               "at column 5: expected not OR left parenthesis OR identifier; got end of input");
  CHECK_EQ_STR(ERR("not"),
               "at column 4: expected not OR left parenthesis OR identifier; got end of input");
  CHECK_EQ_STR(ERR("a b"), "at column 3: expected end of input; got identifier");
  CHECK_EQ_STR(ERR("a b !"), "at column 3: expected end of input; got identifier");
  CHECK_EQ_STR(ERR("(a"), "at column 3: expected right parenthesis; got end of input");
  CHECK_EQ_STR(ERR("((a)"), "at column 5: expected right parenthesis; got end of input");
  CHECK_EQ_STR(ERR("(a b)"), "at column 4: expected right parenthesis; got identifier");
  CHECK_EQ_STR(ERR("a)"), "at column 2: expected end of input; got right parenthesis");
  CHECK_EQ_STR(
      ERR(")"),
      "at column 1: expected not OR left parenthesis OR identifier; got right parenthesis");
  CHECK_EQ_STR(
      ERR("()"),
      "at column 2: expected not OR left parenthesis OR identifier; got right parenthesis");
  CHECK_EQ_STR(ERR("and"), "at column 1: expected not OR left parenthesis OR identifier; got and");
  CHECK_EQ_STR(ERR("or a"), "at column 1: expected not OR left parenthesis OR identifier; got or");
  CHECK_EQ_STR(ERR("a and or"),
               "at column 7: expected not OR left parenthesis OR identifier; got or");
  CHECK_EQ_STR(ERR("a not b"), "at column 3: expected end of input; got not");
  CHECK_EQ_STR(ERR("a and b c"), "at column 9: expected end of input; got identifier");
  CHECK_EQ_STR(ERR("!"), "at column 1: unexpected character \"!\"");
  CHECK_EQ_STR(ERR("a and !b"), "at column 7: unexpected character \"!\"");
  CHECK_EQ_STR(ERR("a & b"), "at column 3: unexpected character \"&\"");
  CHECK_EQ_STR(ERR("a\nb"), "at column 2: unexpected character \"\n\"");
  CHECK_EQ_STR(ERR("a = b"), "at column 3: expected end of input; got =");
  CHECK_EQ_STR(ERR("a, b"), "at column 2: expected end of input; got ,");
  CHECK_EQ_STR(ERR("'x'"),
               "at column 1: expected not OR left parenthesis OR identifier; got string literal");
  CHECK_EQ_STR(ERR("a or 'x"), "at column 6: closing quote \"'\" is missing");
  CHECK_EQ_STR(ERR("\"x"), "at column 1: closing quote \"\"\" is missing");
  /* columns count characters, not bytes */
  CHECK_EQ_STR(ERR("\xc3\xa9\xc3\xa9 !"), "at column 4: unexpected character \"!\"");
  CHECK_EQ_STR(ERR("caf\xc3\xa9 and"),
               "at column 9: expected not OR left parenthesis OR identifier; got end of input");
  /* a NUL inside the given length is an unexpected character, not the end */
  CHECK_EQ_STR(error_of("a\0b", 3), "at column 2: unexpected character \"");
}

static void test_calls(void) {
  expr *e;
  char err[256];
  const char *src = "timeout(seconds=5, name='x y', on=True, off=False, n=None, neg=-3, "
                    "s=\"q\")";
  CHECK_EQ_INT(expr_compile(src, strlen(src), &e, err, sizeof err), EXPR_OK);
  CHECK_EQ_INT(expr_has_calls(e), 1);
  const expr_ident *id = expr_ident_at(e, 0);
  CHECK_EQ_STR(id->name, "timeout");
  CHECK_EQ_INT(id->is_call, 1);
  CHECK_EQ_INT(id->nkwargs, 7);
  CHECK_EQ_STR(id->kwargs[0].name, "seconds");
  CHECK_EQ_INT(id->kwargs[0].type, EXPR_VAL_INT);
  CHECK_EQ_INT(id->kwargs[0].num, 5);
  CHECK_EQ_STR(id->kwargs[1].name, "name");
  CHECK_EQ_INT(id->kwargs[1].type, EXPR_VAL_STR);
  CHECK_EQ_STR(id->kwargs[1].str, "x y");
  CHECK_EQ_INT(id->kwargs[1].str_len, 3);
  CHECK_EQ_INT(id->kwargs[2].type, EXPR_VAL_TRUE);
  CHECK_EQ_INT(id->kwargs[3].type, EXPR_VAL_FALSE);
  CHECK_EQ_INT(id->kwargs[4].type, EXPR_VAL_NONE);
  CHECK_EQ_INT(id->kwargs[5].type, EXPR_VAL_INT);
  CHECK_EQ_INT(id->kwargs[5].num, -3);
  CHECK_EQ_STR(id->kwargs[6].str, "q");
  expr_free(e);

  /* strings keep what pytest keeps: anything but the closing quote */
  CHECK_EQ_INT(expr_compile("m(a='x\"y')", 10, &e, err, sizeof err), EXPR_OK);
  CHECK_EQ_STR(expr_ident_at(e, 0)->kwargs[0].str, "x\"y");
  expr_free(e);
  CHECK_EQ_INT(expr_compile("m(a='')", 7, &e, err, sizeof err), EXPR_OK);
  CHECK_EQ_STR(expr_ident_at(e, 0)->kwargs[0].str, "");
  expr_free(e);
  /* integers beyond 64 bits compile but equal nothing */
  src = "m(a=123456789012345678901234567890)";
  CHECK_EQ_INT(expr_compile(src, strlen(src), &e, err, sizeof err), EXPR_OK);
  CHECK_EQ_INT(expr_ident_at(e, 0)->kwargs[0].num_overflows, 1);
  expr_free(e);
  CHECK_EQ_INT(expr_compile("m(a=007)", 8, &e, err, sizeof err), EXPR_OK);
  CHECK_EQ_INT(expr_ident_at(e, 0)->kwargs[0].num, 7);
  expr_free(e);

  /* calls combine with the rest of the grammar */
  CHECK_EQ_INT(eval_src("not m(a=1) and b", "b"), 1);
  CHECK_EQ_INT(eval_src("(m(a=1) or b)", "m"), 1);

  /* call errors, pytest's wording */
  CHECK_EQ_STR(ERR("m()"), "at column 3: expected identifier; got right parenthesis");
  CHECK_EQ_STR(ERR("m(a)"), "at column 4: expected =; got right parenthesis");
  CHECK_EQ_STR(ERR("m(a="), "at column 5: expected identifier; got end of input");
  CHECK_EQ_STR(ERR("m(a=)"), "at column 5: expected identifier; got right parenthesis");
  CHECK_EQ_STR(ERR("m(a=1"), "at column 6: expected right parenthesis; got end of input");
  CHECK_EQ_STR(ERR("m(a=1 b=2)"), "at column 7: expected right parenthesis; got identifier");
  CHECK_EQ_STR(ERR("m(a=1,)"), "at column 7: expected identifier; got right parenthesis");
  CHECK_EQ_STR(ERR("m(a=1.5)"), "at column 5: unexpected character/s \"1.5\"");
  CHECK_EQ_STR(ERR("m(a=x)"), "at column 5: unexpected character/s \"x\"");
  CHECK_EQ_STR(ERR("m(a=true)"), "at column 5: unexpected character/s \"true\"");
  CHECK_EQ_STR(ERR("m(a=+5)"), "at column 5: unexpected character/s \"+5\"");
  CHECK_EQ_STR(ERR("m(a=-)"), "at column 5: unexpected character/s \"-\"");
  CHECK_EQ_STR(ERR("m(a=--5)"), "at column 5: unexpected character/s \"--5\"");
  CHECK_EQ_STR(ERR("m(1a=1)"), "at column 3: not a valid python identifier 1a");
  CHECK_EQ_STR(ERR("m(a-b=1)"), "at column 3: not a valid python identifier a-b");
  CHECK_EQ_STR(ERR("m(a.b=1)"), "at column 3: not a valid python identifier a.b");
  CHECK_EQ_STR(ERR("m(True=1)"), "at column 3: unexpected reserved python keyword `True`");
  CHECK_EQ_STR(ERR("m(class=1)"), "at column 3: unexpected reserved python keyword `class`");
  CHECK_EQ_STR(ERR("m(lambda=1)"), "at column 3: unexpected reserved python keyword `lambda`");
  CHECK_EQ_STR(ERR("m(not=1)"), "at column 3: expected identifier; got not");
  CHECK_EQ_STR(ERR("m(a=1)(b=2)"), "at column 7: expected end of input; got left parenthesis");
  CHECK_EQ_STR(ERR("m(a='x\\y')"),
               "at column 7: escaping with \"\\\" not supported in marker expression");
  CHECK_EQ_STR(ERR("m(a='x)"), "at column 5: closing quote \"'\" is missing");
  /* pytest's quirk: with a string literal present, a backslash anywhere is
   * rejected (at the first one); without one, a backslash is an ident char */
  CHECK_EQ_STR(ERR("a\\b or m(x='y')"),
               "at column 2: escaping with \"\\\" not supported in marker expression");
  CHECK_EQ_STR(ERR("a\\b or m(x=1)"), "OK");
  /* a parenthesis after an ident is always a call, even with a space */
  CHECK_EQ_STR(ERR("m (a=1)"), "OK");
  CHECK_EQ_STR(ERR("m (b)"), "at column 5: expected =; got right parenthesis");
}

/* "((( a )))" with n levels; the caller frees. */
static char *nested(size_t n) {
  char *s = malloc(2 * n + 2);
  if (!s)
    abort();
  memset(s, '(', n);
  s[n] = 'a';
  memset(s + n + 1, ')', n);
  s[2 * n + 1] = '\0';
  return s;
}

static void test_nesting_limits(void) {
  /* EXPR_MAX_DEPTH levels are fine; one more is a clean error, never a crash */
  char *s = nested(EXPR_MAX_DEPTH);
  CHECK_EQ_INT(eval_src(s, "a"), 1);
  free(s);
  s = nested(EXPR_MAX_DEPTH + 1);
  CHECK_EQ_STR(ERR(s), "at column 1002: expression nested too deeply (more than 1000 levels)");
  free(s);

  size_t n;
  n = 100000;
  s = malloc(n + 1);
  if (!s)
    abort();
  memset(s, '(', n);
  s[n] = '\0';
  CHECK_EQ_STR(ERR(s), "at column 1002: expression nested too deeply (more than 1000 levels)");
  free(s);

  /* long "not not not ..." chains are bounded the same way */
  n = 100000;
  s = malloc(4 * n + 2);
  if (!s)
    abort();
  for (size_t i = 0; i < n; i++)
    memcpy(s + 4 * i, "not ", 4);
  s[4 * n] = 'a';
  s[4 * n + 1] = '\0';
  CHECK(strstr(ERR(s), "expression nested too deeply") != NULL);
  free(s);

  /* a flat chain of 100000 operands has no depth at all */
  n = 100000;
  s = malloc(6 * n + 2);
  if (!s)
    abort();
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    memcpy(s + len, i ? " or x" : "x", i ? 5 : 1);
    len += i ? 5 : 1;
  }
  memcpy(s + len, " or y", 6);
  CHECK_EQ_INT(eval_src(s, "y"), 1);
  CHECK_EQ_INT(eval_src(s, ""), 0);
  free(s);
}

static void test_contains_nocase(void) {
  CHECK(expr_contains_nocase("Test_Square[2]", 14, "square", 6));
  CHECK(expr_contains_nocase("abc", 3, "", 0));
  CHECK(!expr_contains_nocase("ab", 2, "abc", 3));
  CHECK(!expr_contains_nocase("sqare", 5, "square", 6));
  CHECK(expr_contains_nocase("ABC", 3, "abc", 3));
  CHECK(expr_contains_nocase("xxABCxx", 7, "bc", 2));
  CHECK(!expr_contains_nocase("xxABCxx", 7, "bcd", 3));
}

int main(void) {
  test_basic_evaluation();
  test_precedence();
  test_short_circuit();
  test_empty();
  test_identifiers();
  test_errors();
  test_calls();
  test_nesting_limits();
  test_contains_nocase();
  return check_summary("test_expr");
}
