/*
 * Incremental decoder of HTTP/1.1 "Transfer-Encoding: chunked", in place: the
 * framing is dropped and the body bytes are moved to the front of the buffer,
 * so one socket read gives one contiguous piece of body (one SSE feed, one
 * callback) however many HTTP chunks it held. Input may be split anywhere.
 */
#ifndef OMNILUA_HTTP_CHUNKED_H
#define OMNILUA_HTTP_CHUNKED_H
#include <stddef.h>
#include <stdint.h>

typedef struct http_chunked {
  int state;
  int digits;     /* hex digits of the size line read so far */
  int line_empty; /* trailer section: nothing read on the current line yet */
  uint64_t left;  /* bytes of the current chunk still to come */
  char error[96];
} http_chunked;

void http_chunked_init(http_chunked *d);
/* Decodes buf[0..len): the body bytes found end up in buf[0..*out). Returns
 * the number of input bytes consumed (less than len only when the body ended
 * inside buf), or -1 on bad framing (d->error says what). */
long http_chunked_decode(http_chunked *d, char *buf, size_t len, size_t *out);
/* 1 once the last chunk and the trailers have been read. */
int http_chunked_done(const http_chunked *d);

#endif
