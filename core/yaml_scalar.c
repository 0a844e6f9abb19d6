/*
 * PyYAML's implicit resolvers (resolver.py) written out by hand, one matcher
 * per regular expression, plus the conversions of its SafeConstructor.
 */
#include "yaml_scalar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
  const char *s;
  size_t i, n;
} cursor;

static int peek(const cursor *c) { return c->i < c->n ? (unsigned char)c->s[c->i] : -1; }
static int at_end(const cursor *c) { return c->i == c->n; }
static int accept(cursor *c, const char *set) {
  int ch = peek(c);
  if (ch > 0 && strchr(set, ch) != NULL) {
    c->i++;
    return 1;
  }
  return 0;
}
static size_t accept_all(cursor *c, const char *set) {
  size_t k = 0;
  while (accept(c, set))
    k++;
  return k;
}
static int accept_word(cursor *c, const char *w) {
  size_t len = strlen(w);
  if (c->n - c->i >= len && memcmp(c->s + c->i, w, len) == 0) {
    c->i += len;
    return 1;
  }
  return 0;
}

#define DIGITS "0123456789"
#define DIGITS_ "0123456789_"

static int equals_any(const char *s, size_t n, const char *const *words) {
  for (; *words; words++)
    if (strlen(*words) == n && memcmp(s, *words, n) == 0)
      return 1;
  return 0;
}

static const char *const true_words[] = {"yes",  "Yes", "YES", "true", "True",
                                         "TRUE", "on",  "On",  "ON",   NULL};
static const char *const false_words[] = {"no",    "No",  "NO",  "false", "False",
                                          "FALSE", "off", "Off", "OFF",   NULL};
static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};

/* (:[0-5]?[0-9])+ */
static int sexagesimal_tail(cursor *c) {
  int parts = 0;
  for (;;) {
    size_t save = c->i;
    if (!accept(c, ":"))
      break;
    size_t d = accept_all(c, DIGITS);
    /* [0-5]?[0-9]: one digit, or two with the first in 0-5 */
    if (d == 0 || d > 2 || (d == 2 && c->s[c->i - 2] > '5')) {
      c->i = save;
      break;
    }
    parts++;
  }
  return parts > 0;
}

/* [eE][-+][0-9]+ (optional) */
static void exponent(cursor *c, int *ok) {
  size_t save = c->i;
  if (accept(c, "eE")) {
    if (accept(c, "-+") && accept_all(c, DIGITS) > 0)
      return;
    c->i = save;
    *ok = 0;
  }
}

static int is_float(const char *s, size_t n) {
  cursor c = {s, 0, n};
  /* [-+]?(inf) */
  accept(&c, "-+");
  size_t after_sign = c.i;
  if (accept(&c, ".") &&
      (accept_word(&c, "inf") || accept_word(&c, "Inf") || accept_word(&c, "INF")) && at_end(&c))
    return 1;
  /* \.(nan) and \.[0-9][0-9_]*(exp)? take no sign */
  c.i = 0;
  if (accept(&c, ".")) {
    if ((accept_word(&c, "nan") || accept_word(&c, "NaN") || accept_word(&c, "NAN")) && at_end(&c))
      return 1;
    c.i = 1;
    if (accept(&c, DIGITS)) {
      accept_all(&c, DIGITS_);
      int ok = 1;
      exponent(&c, &ok);
      return ok && at_end(&c);
    }
    return 0;
  }
  c.i = after_sign;
  if (!accept(&c, DIGITS))
    return 0;
  accept_all(&c, DIGITS_);
  size_t mark = c.i;
  if (accept(&c, ".")) { /* [0-9][0-9_]*\.[0-9_]*(exp)? */
    accept_all(&c, DIGITS_);
    int ok = 1;
    exponent(&c, &ok);
    if (ok && at_end(&c))
      return 1;
  }
  c.i = mark; /* [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
  if (sexagesimal_tail(&c) && accept(&c, ".")) {
    accept_all(&c, DIGITS_);
    return at_end(&c);
  }
  return 0;
}

static int is_int(const char *s, size_t n) {
  cursor c = {s, 0, n};
  accept(&c, "-+");
  size_t start = c.i;
  if (accept_word(&c, "0b"))
    return accept_all(&c, "01_") > 0 && at_end(&c);
  c.i = start;
  if (accept_word(&c, "0x"))
    return accept_all(&c, "0123456789abcdefABCDEF_") > 0 && at_end(&c);
  c.i = start;
  if (accept(&c, "0")) {
    if (at_end(&c))
      return 1;
    return accept_all(&c, "01234567_") > 0 && at_end(&c);
  }
  if (!accept(&c, "123456789"))
    return 0;
  accept_all(&c, DIGITS_);
  if (at_end(&c))
    return 1;
  return sexagesimal_tail(&c) && at_end(&c);
}

static int looks_like_timestamp(const char *s, size_t n) {
  /* PyYAML's timestamp resolver starts with [0-9]{4}-[0-9]; such a plain
   * scalar becomes a date object there, so it is never a plain string. */
  if (n < 6)
    return 0;
  for (int i = 0; i < 4; i++)
    if (s[i] < '0' || s[i] > '9')
      return 0;
  return s[4] == '-' && s[5] >= '0' && s[5] <= '9';
}

/* Copies s without '_' into buf (NUL-terminated); returns the length or -1. */
static int strip_underscores(const char *s, size_t n, char *buf, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '_')
      continue;
    if (k + 1 >= cap)
      return -1;
    buf[k++] = s[i];
  }
  buf[k] = '\0';
  return (int)k;
}

static omni_yaml_scalar to_int(const char *s, size_t n) {
  omni_yaml_scalar r = {OMNI_YAML_INT, 0, 0, 0.0};
  char buf[256];
  if (strip_underscores(s, n, buf, sizeof buf) < 0) {
    r.kind = OMNI_YAML_FLOAT;
    r.number = strtod(s, NULL);
    return r;
  }
  const char *p = buf;
  int negative = 0;
  if (*p == '-' || *p == '+')
    negative = *p++ == '-';
  unsigned base = 10;
  int sexagesimal = strchr(p, ':') != NULL;
  if (p[0] == '0' && p[1] == 'b')
    base = 2, p += 2;
  else if (p[0] == '0' && p[1] == 'x')
    base = 16, p += 2;
  else if (p[0] == '0' && p[1] != '\0')
    base = 8, p += 1;
  uint64_t mag = 0, part = 0, acc = 0;
  double approx = 0.0, approx_part = 0.0;
  int overflow = 0;
  for (; *p; p++) {
    if (*p == ':') { /* sexagesimal: acc = acc*60 + part */
      approx = approx * 60 + approx_part;
      if (__builtin_mul_overflow(acc, 60, &acc) || __builtin_add_overflow(acc, part, &acc))
        overflow = 1;
      part = 0, approx_part = 0;
      continue;
    }
    unsigned d = (*p >= 'a')   ? (unsigned)(*p - 'a' + 10)
                 : (*p >= 'A') ? (unsigned)(*p - 'A' + 10)
                               : (unsigned)(*p - '0');
    approx_part = approx_part * base + d;
    if (__builtin_mul_overflow(part, base, &part) || __builtin_add_overflow(part, d, &part))
      overflow = 1;
  }
  if (sexagesimal) {
    approx = approx * 60 + approx_part;
    if (__builtin_mul_overflow(acc, 60, &mag) || __builtin_add_overflow(mag, part, &mag))
      overflow = 1;
  } else {
    approx = approx_part, mag = part;
  }
  if (!overflow && mag <= (uint64_t)INT64_MAX + (negative ? 1u : 0u)) {
    r.integer = negative ? (int64_t)(0 - mag) : (int64_t)mag;
    return r;
  }
  r.kind = OMNI_YAML_FLOAT; /* decimal text converts exactly rounded */
  r.number = (base == 10 && !sexagesimal) ? strtod(buf, NULL) : (negative ? -approx : approx);
  return r;
}

static omni_yaml_scalar to_float(const char *s, size_t n) {
  omni_yaml_scalar r = {OMNI_YAML_FLOAT, 0, 0, 0.0};
  char buf[256];
  if (strip_underscores(s, n, buf, sizeof buf) < 0) {
    r.number = NAN;
    return r;
  }
  char *p = buf;
  double sign = 1.0;
  if (*p == '-' || *p == '+')
    sign = *p++ == '-' ? -1.0 : 1.0;
  for (char *q = p; *q; q++)
    if (*q >= 'A' && *q <= 'Z')
      *q = (char)(*q - 'A' + 'a');
  if (strcmp(p, ".inf") == 0) {
    r.number = sign * INFINITY;
  } else if (strcmp(p, ".nan") == 0) {
    r.number = NAN;
  } else if (strchr(p, ':') != NULL) { /* 1:30.5 = 90.5 */
    double value = 0.0;
    char *tok = strtok(p, ":");
    while (tok != NULL) {
      value = value * 60 + strtod(tok, NULL);
      tok = strtok(NULL, ":");
    }
    r.number = sign * value;
  } else {
    r.number = sign * strtod(p, NULL);
  }
  return r;
}

omni_yaml_scalar omni_yaml_resolve_plain(const char *s, size_t n) {
  omni_yaml_scalar r = {OMNI_YAML_STR, 0, 0, 0.0};
  if (equals_any(s, n, null_words)) {
    r.kind = OMNI_YAML_NULL;
  } else if (equals_any(s, n, true_words) || equals_any(s, n, false_words)) {
    r.kind = OMNI_YAML_BOOL;
    r.boolean = equals_any(s, n, true_words);
  } else if (is_float(s, n)) {
    r = to_float(s, n);
  } else if (is_int(s, n)) {
    r = to_int(s, n);
  } else if (n == 2 && s[0] == '<' && s[1] == '<') {
    r.kind = OMNI_YAML_MERGE;
  } else if ((n == 1 && s[0] == '=') || looks_like_timestamp(s, n)) {
    r.kind = OMNI_YAML_OTHER;
  }
  return r;
}

int omni_yaml_parse_as(omni_yaml_kind kind, const char *s, size_t n, omni_yaml_scalar *out) {
  omni_yaml_scalar r = {kind, 0, 0, 0.0};
  switch (kind) {
  case OMNI_YAML_NULL:
    break; /* PyYAML's construct_yaml_null ignores the text */
  case OMNI_YAML_BOOL: {
    static const char *const t[] = {"yes", "true", "on", NULL}, *const f[] = {"no", "false", "off",
                                                                              NULL};
    char low[8];
    if (n >= sizeof low)
      return -1;
    for (size_t i = 0; i < n; i++)
      low[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] - 'A' + 'a' : s[i]);
    if (equals_any(low, n, t))
      r.boolean = 1;
    else if (!equals_any(low, n, f))
      return -1;
    break;
  }
  case OMNI_YAML_INT:
    if (!is_int(s, n))
      return -1;
    r = to_int(s, n);
    break;
  case OMNI_YAML_FLOAT:
    if (is_float(s, n)) {
      r = to_float(s, n);
    } else if (is_int(s, n)) {
      r = to_int(s, n);
      if (r.kind == OMNI_YAML_INT)
        r.number = (double)r.integer;
      r.kind = OMNI_YAML_FLOAT;
    } else {
      char buf[256], *end;
      if (strip_underscores(s, n, buf, sizeof buf) <= 0)
        return -1;
      r.number = strtod(buf, &end);
      if (*end != '\0')
        return -1;
    }
    break;
  default:
    return -1;
  }
  *out = r;
  return 0;
}

void omni_yaml_format_float(double value, char *buf) {
  if (isnan(value)) {
    strcpy(buf, ".nan");
    return;
  }
  if (isinf(value)) {
    strcpy(buf, value < 0 ? "-.inf" : ".inf");
    return;
  }
  for (int prec = 1; prec <= 17; prec++) {
    snprintf(buf, 32, "%.*g", prec, value);
    if (strtod(buf, NULL) == value)
      break;
  }
  /* YAML 1.1 floats need a '.': 1e+20 -> 1.0e+20, 3 -> 3.0 */
  char *e = strchr(buf, 'e');
  if (strchr(buf, '.') != NULL)
    return;
  if (e == NULL) {
    strcat(buf, ".0");
  } else {
    char tail[16];
    snprintf(tail, sizeof tail, "%s", e);
    snprintf(e, 24, ".0%s", tail);
  }
}
