/*
 * pytest's marker/keyword expression parser (src/_pytest/mark/expression.py),
 * ported token for token so that error columns and wording match pytest.
 * The parse produces code for a one-register machine; see expr.h.
 */
#include "expr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  T_LPAREN,
  T_RPAREN,
  T_OR,
  T_AND,
  T_NOT,
  T_IDENT,
  T_EOF,
  T_EQUAL,
  T_STR,
  T_COMMA
} tok_type;

/* pytest's TokenType values: they appear verbatim in error messages. */
static const char *const tok_names[] = {"left parenthesis",
                                        "right parenthesis",
                                        "or",
                                        "and",
                                        "not",
                                        "identifier",
                                        "end of input",
                                        "=",
                                        "string literal",
                                        ","};

typedef enum { OP_IDENT, OP_NOT, OP_JUMP_IF_FALSE, OP_JUMP_IF_TRUE, OP_FALSE } op_code;

typedef struct {
  uint32_t op;
  uint32_t arg; /* ident index or jump target */
} instr;

struct expr {
  instr *code;
  size_t ncode, capcode;
  expr_ident *idents;
  size_t nidents, capidents;
  expr_kwarg *kwargs; /* sized once from the number of '=' in the source */
  size_t nkwargs;
  char *arena; /* every string the idents and kwargs point to */
  size_t arena_used;
  int has_calls;
};

typedef struct {
  tok_type type;
  size_t start, end; /* byte offsets into src */
} token;

typedef struct {
  const char *src;
  size_t len, pos;
  token cur;
  expr *e;
  char *err;
  size_t errsize;
  int status; /* EXPR_OK until the first error */
} parser;

/* pytest counts columns in characters: count UTF-8 lead bytes. */
static size_t column_of(const parser *p, size_t off) {
  size_t col = 1;
  for (size_t i = 0; i < off; i++)
    if (((unsigned char)p->src[i] & 0xC0) != 0x80)
      col++;
  return col;
}

static int fail_at(parser *p, size_t off, const char *fmt, ...) {
  if (p->status != EXPR_OK)
    return -1;
  p->status = EXPR_ESYNTAX;
  int n = snprintf(p->err, p->errsize, "at column %zu: ", column_of(p, off));
  if (n >= 0 && (size_t)n < p->errsize) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + n, p->errsize - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return -1;
}

static int fail_nomem(parser *p) {
  if (p->status == EXPR_OK)
    p->status = EXPR_ENOMEM;
  return -1;
}

/* pytest's ident regex: (\w | : | + | - | . | [ | ] | \ | /)+. Non-ASCII
 * bytes count as word characters (Python's \w is Unicode-aware; we do not
 * classify code points, so a non-ASCII symbol is an ident character here). */
static int is_ident_char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == ':' || c == '+' || c == '-' || c == '.' || c == '[' || c == ']' || c == '\\' ||
         c == '/' || c >= 0x80;
}

static int tok_is(const parser *p, const token *t, const char *word) {
  size_t n = strlen(word);
  return t->end - t->start == n && memcmp(p->src + t->start, word, n) == 0;
}

/* Lexes the token at p->pos into p->cur (pytest's Scanner.lex, one step). */
static int lex_next(parser *p) {
  const char *s = p->src;
  while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t'))
    p->pos++;
  token t = {T_EOF, p->pos, p->pos};
  if (p->pos >= p->len) {
    p->cur = t;
    return 0;
  }
  char c = s[p->pos];
  if (c == '(' || c == ')' || c == '=' || c == ',') {
    t.type = c == '(' ? T_LPAREN : c == ')' ? T_RPAREN : c == '=' ? T_EQUAL : T_COMMA;
    t.end = p->pos + 1;
  } else if (c == '\'' || c == '"') {
    const char *close = memchr(s + p->pos + 1, c, p->len - p->pos - 1);
    if (!close)
      return fail_at(p, p->pos, "closing quote \"%c\" is missing", c);
    t.type = T_STR;
    t.end = (size_t)(close - s) + 1;
    /* Quirk kept from pytest: it looks for a backslash anywhere in the
     * input, not just inside this literal, and reports the first one. */
    const char *bs = memchr(s, '\\', p->len);
    if (bs)
      return fail_at(p, (size_t)(bs - s),
                     "escaping with \"\\\" not supported in marker expression");
  } else if (is_ident_char((unsigned char)c)) {
    size_t end = p->pos;
    while (end < p->len && is_ident_char((unsigned char)s[end]))
      end++;
    t.end = end;
    t.type = T_IDENT;
    if (tok_is(p, &t, "or"))
      t.type = T_OR;
    else if (tok_is(p, &t, "and"))
      t.type = T_AND;
    else if (tok_is(p, &t, "not"))
      t.type = T_NOT;
  } else {
    return fail_at(p, p->pos, "unexpected character \"%c\"", c);
  }
  p->pos = t.end;
  p->cur = t;
  return 0;
}

/* "expected A OR B; got C" at the current token. */
static int reject(parser *p, int n, const tok_type *expected) {
  char list[96] = "";
  for (int i = 0; i < n; i++) {
    if (i)
      strcat(list, " OR ");
    strcat(list, tok_names[expected[i]]);
  }
  return fail_at(p, p->cur.start, "expected %s; got %s", list, tok_names[p->cur.type]);
}

/* pytest's Scanner.accept: 1 and advance when the current token has `type`
 * (EOF never advances), else 0, or an error when `must`. *got receives the
 * accepted token. Returns -1 on error. */
static int accept(parser *p, tok_type type, int must, token *got) {
  if (p->status != EXPR_OK)
    return -1;
  if (p->cur.type == type) {
    if (got)
      *got = p->cur;
    if (type != T_EOF && lex_next(p) < 0)
      return -1;
    return 1;
  }
  if (must)
    return reject(p, 1, &type);
  return 0;
}

static int emit(parser *p, op_code op, uint32_t arg) {
  expr *e = p->e;
  if (e->ncode == e->capcode) {
    size_t cap = e->capcode ? e->capcode * 2 : 16;
    instr *code = realloc(e->code, cap * sizeof *code);
    if (!code)
      return fail_nomem(p);
    e->code = code;
    e->capcode = cap;
  }
  e->code[e->ncode].op = op;
  e->code[e->ncode].arg = arg;
  e->ncode++;
  return 0;
}

static char *arena_copy(expr *e, const char *s, size_t n) {
  char *dst = e->arena + e->arena_used;
  memcpy(dst, s, n);
  dst[n] = '\0';
  e->arena_used += n + 1;
  return dst;
}

static int parse_expr(parser *p, int depth);

static const char *const python_keywords[] = {
    "False", "None",     "True",  "and",    "as",   "assert", "async",  "await",    "break",
    "class", "continue", "def",   "del",    "elif", "else",   "except", "finally",  "for",
    "from",  "global",   "if",    "import", "in",   "is",     "lambda", "nonlocal", "not",
    "or",    "pass",     "raise", "return", "try",  "while",  "with",   "yield"};

static int is_python_identifier(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
    if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
      return 0;
  }
  return n > 0;
}

static int is_python_keyword(const char *s, size_t n) {
  for (size_t i = 0; i < sizeof python_keywords / sizeof *python_keywords; i++)
    if (strlen(python_keywords[i]) == n && memcmp(python_keywords[i], s, n) == 0)
      return 1;
  return 0;
}

static int all_digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return n > 0;
}

/* single_kwarg: name '=' value. */
static int parse_kwarg(parser *p) {
  token name = {T_EOF, 0, 0}, val = {T_EOF, 0, 0};
  if (accept(p, T_IDENT, 1, &name) < 0)
    return -1;
  const char *ns = p->src + name.start;
  size_t nn = name.end - name.start;
  if (!is_python_identifier(ns, nn))
    return fail_at(p, name.start, "not a valid python identifier %.*s", (int)nn, ns);
  if (is_python_keyword(ns, nn))
    return fail_at(p, name.start, "unexpected reserved python keyword `%.*s`", (int)nn, ns);
  if (accept(p, T_EQUAL, 1, NULL) < 0)
    return -1;
  expr *e = p->e;
  expr_kwarg *kw = &e->kwargs[e->nkwargs];
  memset(kw, 0, sizeof *kw);
  int r = accept(p, T_STR, 0, &val);
  if (r < 0)
    return -1;
  if (r) {
    kw->type = EXPR_VAL_STR;
    kw->str_len = val.end - val.start - 2;
    kw->str = arena_copy(e, p->src + val.start + 1, kw->str_len);
  } else {
    if (accept(p, T_IDENT, 1, &val) < 0)
      return -1;
    const char *vs = p->src + val.start;
    size_t vn = val.end - val.start;
    if (all_digits(vs, vn) || (vn > 1 && vs[0] == '-' && all_digits(vs + 1, vn - 1))) {
      char buf[32];
      kw->type = EXPR_VAL_INT;
      if (vn >= sizeof buf) {
        kw->num_overflows = 1;
      } else {
        memcpy(buf, vs, vn);
        buf[vn] = '\0';
        errno = 0;
        kw->num = strtoll(buf, NULL, 10);
        kw->num_overflows = errno == ERANGE;
      }
    } else if (vn == 4 && memcmp(vs, "True", 4) == 0) {
      kw->type = EXPR_VAL_TRUE;
    } else if (vn == 5 && memcmp(vs, "False", 5) == 0) {
      kw->type = EXPR_VAL_FALSE;
    } else if (vn == 4 && memcmp(vs, "None", 4) == 0) {
      kw->type = EXPR_VAL_NONE;
    } else {
      return fail_at(p, val.start, "unexpected character/s \"%.*s\"", (int)vn, vs);
    }
  }
  kw->name_len = nn;
  kw->name = arena_copy(e, ns, nn);
  e->nkwargs++;
  return 0;
}

/* ident call? — records the identifier and emits OP_IDENT. */
static int parse_ident(parser *p, const token *id) {
  expr *e = p->e;
  if (e->nidents == e->capidents) {
    size_t cap = e->capidents ? e->capidents * 2 : 8;
    expr_ident *ids = realloc(e->idents, cap * sizeof *ids);
    if (!ids)
      return fail_nomem(p);
    e->idents = ids;
    e->capidents = cap;
  }
  expr_ident *ident = &e->idents[e->nidents];
  memset(ident, 0, sizeof *ident);
  ident->len = id->end - id->start;
  ident->name = arena_copy(e, p->src + id->start, ident->len);
  char *lower = arena_copy(e, ident->name, ident->len);
  for (char *c = lower; *c; c++)
    if (*c >= 'A' && *c <= 'Z')
      *c = (char)(*c - 'A' + 'a');
  ident->lower = lower;
  int r = accept(p, T_LPAREN, 0, NULL);
  if (r < 0)
    return -1;
  if (r) {
    size_t first = e->nkwargs;
    if (parse_kwarg(p) < 0)
      return -1;
    while ((r = accept(p, T_COMMA, 0, NULL)) == 1)
      if (parse_kwarg(p) < 0)
        return -1;
    if (r < 0 || accept(p, T_RPAREN, 1, NULL) < 0)
      return -1;
    ident->is_call = 1;
    ident->kwargs = e->kwargs + first;
    ident->nkwargs = e->nkwargs - first;
    e->has_calls = 1;
  }
  if (emit(p, OP_IDENT, (uint32_t)e->nidents) < 0)
    return -1;
  e->nidents++;
  return 0;
}

/* not_expr := 'not' not_expr | '(' expr ')' | ident call? */
static int parse_not(parser *p, int depth) {
  if (depth > EXPR_MAX_DEPTH)
    return fail_at(p, p->cur.start, "expression nested too deeply (more than %d levels)",
                   EXPR_MAX_DEPTH);
  int r = accept(p, T_NOT, 0, NULL);
  if (r)
    return r < 0 || parse_not(p, depth + 1) < 0 ? -1 : emit(p, OP_NOT, 0);
  r = accept(p, T_LPAREN, 0, NULL);
  if (r)
    return r < 0 || parse_expr(p, depth + 1) < 0 ? -1 : accept(p, T_RPAREN, 1, NULL) < 0 ? -1 : 0;
  token id = {T_EOF, 0, 0};
  r = accept(p, T_IDENT, 0, &id);
  if (r)
    return r < 0 ? -1 : parse_ident(p, &id);
  static const tok_type expected[] = {T_NOT, T_LPAREN, T_IDENT};
  return reject(p, 3, expected);
}

/* Parses `operand (op operand)*`, each op a short-circuit jump to the end of
 * that operand's right-hand side. */
static int parse_chain(parser *p, int depth, tok_type op, op_code jump,
                       int (*operand)(parser *, int)) {
  if (operand(p, depth) < 0)
    return -1;
  int r;
  while ((r = accept(p, op, 0, NULL)) == 1) {
    if (emit(p, jump, 0) < 0)
      return -1;
    size_t at = p->e->ncode - 1;
    if (operand(p, depth) < 0)
      return -1;
    p->e->code[at].arg = (uint32_t)p->e->ncode;
  }
  return r;
}

static int parse_and(parser *p, int depth) {
  return parse_chain(p, depth, T_AND, OP_JUMP_IF_FALSE, parse_not);
}

static int parse_expr(parser *p, int depth) {
  return parse_chain(p, depth, T_OR, OP_JUMP_IF_TRUE, parse_and);
}

int expr_compile(const char *src, size_t len, expr **out, char *err, size_t errsize) {
  *out = NULL;
  if (errsize)
    err[0] = '\0';
  expr *e = calloc(1, sizeof *e);
  if (!e)
    return EXPR_ENOMEM;
  /* Every kwarg has its own '=' token and every stored string is a token
   * copied at most twice with a NUL: both bounds are known up front, so the
   * pointers handed out stay valid while the arrays fill. */
  size_t nequals = 0;
  for (size_t i = 0; i < len; i++)
    nequals += src[i] == '=';
  e->kwargs = calloc(nequals ? nequals : 1, sizeof *e->kwargs);
  e->arena = malloc(4 * len + 8);
  if (!e->kwargs || !e->arena) {
    expr_free(e);
    return EXPR_ENOMEM;
  }
  parser p = {src, len, 0, {T_EOF, 0, 0}, e, err, errsize, EXPR_OK};
  if (lex_next(&p) == 0) {
    int r = accept(&p, T_EOF, 0, NULL);
    if (r == 1)
      emit(&p, OP_FALSE, 0);
    else if (r == 0 && parse_expr(&p, 0) == 0)
      accept(&p, T_EOF, 1, NULL);
  }
  if (p.status != EXPR_OK) {
    expr_free(e);
    return p.status;
  }
  *out = e;
  return EXPR_OK;
}

void expr_free(expr *e) {
  if (!e)
    return;
  free(e->code);
  free(e->idents);
  free(e->kwargs);
  free(e->arena);
  free(e);
}

int expr_has_calls(const expr *e) { return e->has_calls; }

size_t expr_ident_count(const expr *e) { return e->nidents; }

const expr_ident *expr_ident_at(const expr *e, size_t i) {
  return i < e->nidents ? &e->idents[i] : NULL;
}

int expr_eval(const expr *e, expr_ident_fn fn, void *ud) {
  int acc = 0;
  size_t pc = 0;
  while (pc < e->ncode) {
    const instr *in = &e->code[pc];
    switch ((op_code)in->op) {
    case OP_IDENT:
      acc = fn(ud, &e->idents[in->arg]) != 0;
      pc++;
      break;
    case OP_NOT:
      acc = !acc;
      pc++;
      break;
    case OP_JUMP_IF_FALSE:
      pc = acc ? pc + 1 : in->arg;
      break;
    case OP_JUMP_IF_TRUE:
      pc = acc ? in->arg : pc + 1;
      break;
    case OP_FALSE:
      acc = 0;
      pc++;
      break;
    }
  }
  return acc;
}

int expr_contains_nocase(const char *hay, size_t hay_len, const char *needle_lower,
                         size_t needle_len) {
  if (needle_len == 0)
    return 1;
  if (needle_len > hay_len)
    return 0;
  for (size_t i = 0; i + needle_len <= hay_len; i++) {
    size_t j = 0;
    for (; j < needle_len; j++) {
      char c = hay[i + j];
      if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
      if (c != needle_lower[j])
        break;
    }
    if (j == needle_len)
      return 1;
  }
  return 0;
}
