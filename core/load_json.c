#include "load_json.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 128 };

static int fail(lj_cur *c) {
  c->err = 1;
  return -1;
}

static void ws(lj_cur *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
    c->p++;
}

int lj_peek(lj_cur *c) {
  ws(c);
  return c->p < c->end && !c->err ? (unsigned char)*c->p : 0;
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char h = p[i];
    v <<= 4;
    if (h >= '0' && h <= '9')
      v |= h - '0';
    else if (h >= 'a' && h <= 'f')
      v |= h - 'a' + 10;
    else if (h >= 'A' && h <= 'F')
      v |= h - 'A' + 10;
    else
      return -1;
  }
  return v;
}

/* Bytes that end the fast scan of a string: the quote, a backslash, and the
 * control characters that JSON requires escaped. */
static const unsigned char special[256] = {
    [0] = 1,  [1] = 1,  [2] = 1,  [3] = 1,  [4] = 1,  [5] = 1,   [6] = 1,   [7] = 1,  [8] = 1,
    [9] = 1,  [10] = 1, [11] = 1, [12] = 1, [13] = 1, [14] = 1,  [15] = 1,  [16] = 1, [17] = 1,
    [18] = 1, [19] = 1, [20] = 1, [21] = 1, [22] = 1, [23] = 1,  [24] = 1,  [25] = 1, [26] = 1,
    [27] = 1, [28] = 1, [29] = 1, [30] = 1, [31] = 1, ['"'] = 1, ['\\'] = 1};

int lj_string(lj_cur *c, lj_str *out) {
  if (lj_peek(c) != '"')
    return fail(c);
  const char *p = ++c->p, *start = p, *end = c->end;
  int esc = 0;
  for (;; p++) { /* one pass: the quote, escapes, control characters (must be escaped) */
    while (p < end && !special[(unsigned char)*p])
      p++;
    if (p >= end)
      return fail(c);
    unsigned char ch = (unsigned char)*p;
    if (ch == '"')
      break;
    if (ch < 0x20)
      return fail(c);
    if (ch != '\\')
      continue;
    esc = 1;
    if (p + 1 >= end)
      return fail(c);
    char e = p[1];
    if (e == 'u') {
      if (end - p < 6 || hex4(p + 2) < 0)
        return fail(c);
      p += 5;
    } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
               e == 't') {
      p += 1;
    } else {
      return fail(c);
    }
  }
  if (out) {
    out->s = start;
    out->n = (size_t)(p - start);
    out->escaped = esc;
    out->set = 1;
  }
  c->p = p + 1;
  return 0;
}

int lj_number(lj_cur *c, double *out) {
  ws(c);
  const char *p = c->p, *s = p;
  if (p < c->end && *p == '-')
    p++;
  if (p >= c->end || *p < '0' || *p > '9')
    return fail(c);
  double v = 0;
  while (p < c->end && *p >= '0' && *p <= '9')
    v = v * 10 + (*p++ - '0');
  int plain = 1;
  if (p < c->end && *p == '.') {
    plain = 0;
    p++;
    if (p >= c->end || *p < '0' || *p > '9')
      return fail(c);
    while (p < c->end && *p >= '0' && *p <= '9')
      p++;
  }
  if (p < c->end && (*p == 'e' || *p == 'E')) {
    plain = 0;
    p++;
    if (p < c->end && (*p == '+' || *p == '-'))
      p++;
    if (p >= c->end || *p < '0' || *p > '9')
      return fail(c);
    while (p < c->end && *p >= '0' && *p <= '9')
      p++;
  }
  if (!plain) { /* rare here (token counts are integers): strtod on a bounded copy */
    char tmp[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof tmp)
      return fail(c);
    memcpy(tmp, s, n);
    tmp[n] = 0;
    v = strtod(tmp, NULL);
  } else if (*s == '-') {
    v = -v;
  }
  if (out)
    *out = v;
  c->p = p;
  return 0;
}

static int literal(lj_cur *c, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
    return fail(c);
  c->p += n;
  return 0;
}

int lj_obj_begin(lj_cur *c) {
  if (lj_peek(c) != '{') {
    fail(c);
    return 0;
  }
  c->p++;
  return 1;
}

int lj_arr_begin(lj_cur *c) {
  if (lj_peek(c) != '[') {
    fail(c);
    return 0;
  }
  c->p++;
  return 1;
}

/* After '{' or '[' the first call sees no comma; later ones need one. The
 * byte before the cursor tells which (the opener, or the end of a value). */
static int next_item(lj_cur *c, char close) {
  if (c->err)
    return -1;
  const char *before = c->p - 1;
  int first = *before == '{' || *before == '[';
  ws(c);
  if (c->p >= c->end)
    return fail(c);
  if (*c->p == close) {
    c->p++;
    return 0;
  }
  if (!first) {
    if (*c->p != ',')
      return fail(c);
    c->p++;
    ws(c);
  }
  return 1;
}

int lj_obj_next(lj_cur *c, const char **key, size_t *klen) {
  int r = next_item(c, '}');
  if (r != 1)
    return r;
  lj_str k;
  if (lj_string(c, &k) != 0)
    return -1;
  ws(c);
  if (c->p >= c->end || *c->p != ':')
    return fail(c);
  c->p++;
  ws(c);
  *key = k.s;
  *klen = k.n;
  return 1;
}

int lj_arr_next(lj_cur *c) {
  int r = next_item(c, ']');
  if (r == 1)
    ws(c);
  return r;
}

static int skip_depth(lj_cur *c, int depth) {
  if (depth > MAX_DEPTH)
    return fail(c);
  switch (lj_peek(c)) {
  case '"':
    return lj_string(c, NULL);
  case '{': {
    lj_obj_begin(c);
    const char *k;
    size_t kl;
    int r;
    while ((r = lj_obj_next(c, &k, &kl)) == 1)
      if (skip_depth(c, depth + 1) != 0)
        return -1;
    return r;
  }
  case '[': {
    lj_arr_begin(c);
    int r;
    while ((r = lj_arr_next(c)) == 1)
      if (skip_depth(c, depth + 1) != 0)
        return -1;
    return r;
  }
  case 't':
    return literal(c, "true");
  case 'f':
    return literal(c, "false");
  case 'n':
    return literal(c, "null");
  default:
    return lj_number(c, NULL);
  }
}

int lj_skip(lj_cur *c) { return skip_depth(c, 0); }

static size_t utf8(unsigned cp, char *o) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

long lj_unescape(const lj_str *s, char *out) {
  const char *p = s->s, *end = s->s + s->n;
  char *o = out;
  while (p < end) {
    if (*p != '\\') {
      *o++ = *p++;
      continue;
    }
    if (p + 1 >= end)
      return -1;
    char e = p[1];
    p += 2;
    switch (e) {
    case 'n':
      *o++ = '\n';
      break;
    case 't':
      *o++ = '\t';
      break;
    case 'r':
      *o++ = '\r';
      break;
    case 'b':
      *o++ = '\b';
      break;
    case 'f':
      *o++ = '\f';
      break;
    case '"':
    case '\\':
    case '/':
      *o++ = e;
      break;
    case 'u': {
      if (end - p < 4)
        return -1;
      int cp = hex4(p);
      if (cp < 0)
        return -1;
      p += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        int lo = hex4(p + 2);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
      }
      o += utf8((unsigned)cp, o);
      break;
    }
    default:
      return -1;
    }
  }
  return (long)(o - out);
}
