/*
 * pytest's -m / -k expression language (src/_pytest/mark/expression.py):
 *
 *   expression := expr? EOF
 *   expr       := and_expr ('or' and_expr)*
 *   and_expr   := not_expr ('and' not_expr)*
 *   not_expr   := 'not' not_expr | '(' expr ')' | ident call?
 *   call       := '(' name '=' value (',' name '=' value)* ')'
 *
 * An expression is compiled once into a small program for a one-register
 * machine (operands in order, `and`/`or` as short-circuit jumps), so that
 * evaluating it for each of 10,000 tests allocates nothing and never recurses.
 * What an identifier means is the caller's business: expr_eval asks a
 * callback about each identifier it reaches.
 */
#ifndef OMNILUA_EXPR_H
#define OMNILUA_EXPR_H
#include <stddef.h>

/* Deepest nesting of '(' and 'not' accepted; deeper input is a parse error
 * rather than a stack overflow. */
#define EXPR_MAX_DEPTH 1000

typedef enum {
  EXPR_VAL_STR,   /* 'text' or "text" */
  EXPR_VAL_INT,   /* digits with an optional leading '-' */
  EXPR_VAL_TRUE,  /* True  */
  EXPR_VAL_FALSE, /* False */
  EXPR_VAL_NONE   /* None  */
} expr_val_type;

/* One `name=value` of a call such as `timeout(seconds=5)`. */
typedef struct {
  const char *name; /* NUL-terminated */
  size_t name_len;
  expr_val_type type;
  const char *str; /* EXPR_VAL_STR: the text without quotes, NUL-terminated */
  size_t str_len;
  long long num;     /* EXPR_VAL_INT */
  int num_overflows; /* EXPR_VAL_INT beyond 64 bits: equal to no integer */
} expr_kwarg;

/* An identifier as the callback sees it. */
typedef struct {
  const char *name; /* NUL-terminated, as written */
  size_t len;
  const char *lower; /* ASCII-lowercased copy, for -k's case-insensitive match */
  int is_call;       /* written with parentheses (even if zero kwargs: never) */
  size_t nkwargs;
  const expr_kwarg *kwargs;
} expr_ident;

typedef struct expr expr;

/* Status codes of expr_compile. */
#define EXPR_OK 0
#define EXPR_ESYNTAX (-1) /* err holds "at column N: message" (pytest's wording) */
#define EXPR_ENOMEM (-2)

/* Compiles src[0..len). On success *out owns the program (free with
 * expr_free). On EXPR_ESYNTAX, err receives pytest's message with the
 * 1-based column counted in characters (UTF-8 code points). */
int expr_compile(const char *src, size_t len, expr **out, char *err, size_t errsize);

void expr_free(expr *e);

/* Whether any identifier is written as a call: -k rejects those. */
int expr_has_calls(const expr *e);

size_t expr_ident_count(const expr *e);
const expr_ident *expr_ident_at(const expr *e, size_t i);

/* Returns nonzero when the identifier holds for the item being matched. */
typedef int (*expr_ident_fn)(void *ud, const expr_ident *id);

/* Evaluates the expression: 1 true, 0 false. The callback is asked only
 * about identifiers that short-circuiting reaches. The empty expression is
 * false. No allocation, no recursion. */
int expr_eval(const expr *e, expr_ident_fn fn, void *ud);

/* ASCII case-insensitive substring test used by -k: is `needle_lower`
 * (already lowercased) inside `hay`? */
int expr_contains_nocase(const char *hay, size_t hay_len, const char *needle_lower,
                         size_t needle_len);

#endif
