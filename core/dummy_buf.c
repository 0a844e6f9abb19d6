#include "dummy_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dbuf_reserve(dbuf *b, size_t extra) {
  if (b->failed)
    return -1;
  if (b->len + extra + 1 <= b->cap)
    return 0;
  size_t c = b->cap ? b->cap : 256;
  while (c < b->len + extra + 1)
    c *= 2;
  char *n = realloc(b->p, c);
  if (!n) {
    b->failed = 1;
    return -1;
  }
  b->p = n;
  b->cap = c;
  return 0;
}

void dbuf_add(dbuf *b, const void *p, size_t n) {
  if (dbuf_reserve(b, n) != 0)
    return;
  memcpy(b->p + b->len, p, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void dbuf_str(dbuf *b, const char *s) { dbuf_add(b, s, strlen(s)); }

void dbuf_printf(dbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    dbuf_add(b, small, (size_t)n);
    return;
  }
  if (dbuf_reserve(b, (size_t)n) != 0)
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void dbuf_json_str(dbuf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (dbuf_reserve(b, n + 2) != 0)
    return;
  dbuf_add(b, "\"", 1);
  size_t run = 0; /* copy unescaped runs in one go */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    dbuf_add(b, s + run, i - run);
    run = i + 1;
    char esc[7] = {'\\', 0};
    switch (c) {
    case '"':
    case '\\':
      esc[1] = (char)c;
      dbuf_add(b, esc, 2);
      break;
    case '\n':
      dbuf_add(b, "\\n", 2);
      break;
    case '\r':
      dbuf_add(b, "\\r", 2);
      break;
    case '\t':
      dbuf_add(b, "\\t", 2);
      break;
    default:
      memcpy(esc, "\\u00", 4);
      esc[4] = hex[c >> 4];
      esc[5] = hex[c & 15];
      dbuf_add(b, esc, 6);
    }
  }
  dbuf_add(b, s + run, n - run);
  dbuf_add(b, "\"", 1);
}

void dbuf_base64(dbuf *b, const void *data, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const unsigned char *s = data;
  if (dbuf_reserve(b, (n + 2) / 3 * 4) != 0)
    return;
  char *o = b->p + b->len;
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = tab[(v >> 6) & 63];
    *o++ = tab[v & 63];
  }
  if (i < n) {
    unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0);
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  b->len = (size_t)(o - b->p);
  b->p[b->len] = '\0';
}

void dbuf_consume(dbuf *b, size_t n) {
  if (n >= b->len) {
    b->len = 0;
    return;
  }
  memmove(b->p, b->p + n, b->len - n);
  b->len -= n;
}

void dbuf_free(dbuf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}
