#include "dummy_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DJ_MAX_DEPTH 64

/* Every node and string lives in one arena: freeing a document is one walk
 * over its blocks, and a failed parse frees the same way. */
typedef struct block {
  struct block *next;
  size_t used, cap;
  _Alignas(16) char data[];
} block;

struct dj_doc {
  block *blocks;
  dj_value root;
};

typedef struct {
  dj_doc *doc;
  const char *s, *p, *end;
  char *err;
  size_t errlen;
  int failed;
} parser;

static void *alloc(parser *ps, size_t n) {
  n = (n + 15) & ~(size_t)15;
  block *b = ps->doc->blocks;
  if (!b || b->used + n > b->cap) {
    size_t cap = n > 65536 ? n : 65536;
    b = malloc(sizeof *b + cap);
    if (!b)
      return NULL;
    b->used = 0;
    b->cap = cap;
    b->next = ps->doc->blocks;
    ps->doc->blocks = b;
  }
  void *r = b->data + b->used;
  b->used += n;
  return r;
}

static int fail(parser *ps, const char *why) {
  if (!ps->failed)
    snprintf(ps->err, ps->errlen, "malformed JSON at byte %zu: %s", (size_t)(ps->p - ps->s) + 1,
             why);
  ps->failed = 1;
  return -1;
}

static void ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int hex4(const char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static size_t utf8_put(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 63));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | ((cp >> 6) & 63));
    o[2] = (char)(0x80 | (cp & 63));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | ((cp >> 12) & 63));
  o[2] = (char)(0x80 | ((cp >> 6) & 63));
  o[3] = (char)(0x80 | (cp & 63));
  return 4;
}

static int parse_string(parser *ps, char **out, size_t *outlen) {
  ps->p++; /* opening quote */
  const char *start = ps->p;
  while (ps->p < ps->end && *ps->p != '"') {
    if (*ps->p == '\\')
      ps->p++;
    ps->p++;
  }
  if (ps->p >= ps->end)
    return fail(ps, "unterminated string");
  /* Decoding never makes a string longer than its source. */
  char *o = alloc(ps, (size_t)(ps->p - start) + 1);
  if (!o)
    return fail(ps, "out of memory");
  size_t n = 0;
  for (const char *q = start; q < ps->p; q++) {
    unsigned char c = (unsigned char)*q;
    if (c < 0x20) {
      ps->p = q;
      return fail(ps, "control character in string");
    }
    if (c != '\\') {
      o[n++] = (char)c;
      continue;
    }
    q++;
    switch (*q) {
    case '"':
    case '\\':
    case '/':
      o[n++] = *q;
      break;
    case 'b':
      o[n++] = '\b';
      break;
    case 'f':
      o[n++] = '\f';
      break;
    case 'n':
      o[n++] = '\n';
      break;
    case 'r':
      o[n++] = '\r';
      break;
    case 't':
      o[n++] = '\t';
      break;
    case 'u': {
      unsigned cp, lo;
      if (ps->p - q < 5 || hex4(q + 1, &cp) != 0) {
        ps->p = q;
        return fail(ps, "bad \\u escape");
      }
      q += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF && ps->p - q >= 7 && q[1] == '\\' && q[2] == 'u' &&
          hex4(q + 3, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        q += 6;
      } else if (cp >= 0xD800 && cp <= 0xDFFF) {
        cp = 0xFFFD; /* lone surrogate */
      }
      n += utf8_put(o + n, cp);
      break;
    }
    default:
      ps->p = q;
      return fail(ps, "bad escape");
    }
  }
  o[n] = '\0';
  ps->p++; /* closing quote */
  *out = o;
  *outlen = n;
  return 0;
}

static int parse_value(parser *ps, dj_value *v, int depth);

/* Items are collected in a temporary array and copied to the arena at the end. */
static int parse_container(parser *ps, dj_value *v, int depth, int is_object) {
  if (depth > DJ_MAX_DEPTH)
    return fail(ps, "nested too deeply");
  char close = is_object ? '}' : ']';
  ps->p++;
  size_t cap = 0, n = 0;
  dj_value *items = NULL;
  char **keys = NULL;
  int rc = 0;
  ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    goto done;
  }
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      dj_value *ni = realloc(items, cap * sizeof *items);
      char **nk = is_object ? realloc(keys, cap * sizeof *keys) : NULL;
      if (ni)
        items = ni;
      if (nk)
        keys = nk;
      if (!ni || (is_object && !nk)) {
        rc = fail(ps, "out of memory");
        goto done;
      }
    }
    ws(ps);
    if (is_object) {
      size_t kl;
      if (ps->p >= ps->end || *ps->p != '"') {
        rc = fail(ps, "expected a string key");
        goto done;
      }
      if ((rc = parse_string(ps, &keys[n], &kl)) != 0)
        goto done;
      ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        rc = fail(ps, "expected ':'");
        goto done;
      }
      ps->p++;
    }
    if ((rc = parse_value(ps, &items[n], depth + 1)) != 0)
      goto done;
    n++;
    ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      break;
    }
    rc = fail(ps, is_object ? "expected ',' or '}'" : "expected ',' or ']'");
    goto done;
  }
done:
  if (rc == 0) {
    v->type = is_object ? DJ_OBJECT : DJ_ARRAY;
    v->n = n;
    v->items = n ? alloc(ps, n * sizeof *items) : NULL;
    v->keys = n && is_object ? alloc(ps, n * sizeof *keys) : NULL;
    if (n && (!v->items || (is_object && !v->keys)))
      rc = fail(ps, "out of memory");
    else if (n) {
      memcpy(v->items, items, n * sizeof *items);
      if (is_object)
        memcpy(v->keys, keys, n * sizeof *keys);
    }
  }
  free(items);
  free(keys);
  return rc;
}

static int parse_value(parser *ps, dj_value *v, int depth) {
  memset(v, 0, sizeof *v);
  ws(ps);
  if (ps->p >= ps->end)
    return fail(ps, "unexpected end");
  char c = *ps->p;
  size_t left = (size_t)(ps->end - ps->p);
  if (c == '{' || c == '[')
    return parse_container(ps, v, depth, c == '{');
  if (c == '"') {
    v->type = DJ_STRING;
    return parse_string(ps, &v->str, &v->len);
  }
  if (left >= 4 && memcmp(ps->p, "null", 4) == 0) {
    ps->p += 4;
    v->type = DJ_NULL;
    return 0;
  }
  if (left >= 4 && memcmp(ps->p, "true", 4) == 0) {
    ps->p += 4;
    v->type = DJ_BOOL;
    v->boolean = 1;
    return 0;
  }
  if (left >= 5 && memcmp(ps->p, "false", 5) == 0) {
    ps->p += 5;
    v->type = DJ_BOOL;
    return 0;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    char tmp[64];
    size_t k = 0;
    while (k < left && k < sizeof tmp - 1 && strchr("0123456789+-.eE", ps->p[k]))
      tmp[k] = ps->p[k], k++;
    tmp[k] = '\0';
    char *endp;
    v->number = strtod(tmp, &endp);
    if (endp == tmp)
      return fail(ps, "bad number");
    ps->p += endp - tmp;
    v->type = DJ_NUMBER;
    return 0;
  }
  return fail(ps, "unexpected character");
}

void dj_free(dj_doc *d) {
  if (!d)
    return;
  for (block *b = d->blocks, *n; b; b = n) {
    n = b->next;
    free(b);
  }
  free(d);
}

dj_doc *dj_parse(const char *s, size_t n, char *err, size_t errlen) {
  dj_doc *d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  parser ps = {.doc = d, .s = s, .p = s, .end = s + n, .err = err, .errlen = errlen};
  if (parse_value(&ps, &d->root, 0) == 0) {
    ws(&ps);
    if (ps.p == ps.end)
      return d;
    fail(&ps, "trailing characters");
  }
  dj_free(d);
  return NULL;
}

const dj_value *dj_root(const dj_doc *d) { return &d->root; }

const dj_value *dj_get(const dj_value *v, const char *key) {
  if (!v || v->type != DJ_OBJECT)
    return NULL;
  for (size_t i = 0; i < v->n; i++)
    if (strcmp(v->keys[i], key) == 0)
      return &v->items[i];
  return NULL;
}

const char *dj_type_name(dj_type t) {
  static const char *names[] = {"null", "boolean", "number", "string", "array", "object"};
  return names[t];
}
