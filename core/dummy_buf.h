/* A growable byte buffer for the dummy server's answers, with JSON string
 * escaping and base64. After a failed allocation `failed` is set and later
 * appends do nothing, so writers append freely and check once. */
#ifndef OMNILUA_DUMMY_BUF_H
#define OMNILUA_DUMMY_BUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct {
  char *p;
  size_t len, cap;
  int failed;
} dbuf;

int dbuf_reserve(dbuf *b, size_t extra);
void dbuf_add(dbuf *b, const void *p, size_t n);
void dbuf_str(dbuf *b, const char *s);
void dbuf_printf(dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void dbuf_json_str(dbuf *b, const char *s, size_t n);
void dbuf_base64(dbuf *b, const void *data, size_t n);
/* Drops the first n bytes (what has been written to a socket). */
void dbuf_consume(dbuf *b, size_t n);
void dbuf_free(dbuf *b);

#endif
