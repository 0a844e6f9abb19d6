#include "http_chunked.h"

#include <stdio.h>
#include <string.h>

enum {
  HC_SIZE,
  HC_EXT,
  HC_SIZE_LF,
  HC_DATA,
  HC_DATA_CR,
  HC_DATA_LF,
  HC_TRAILER,
  HC_TRAILER_LF,
  HC_DONE,
  HC_FAILED
};

void http_chunked_init(http_chunked *d) { memset(d, 0, sizeof *d); }
int http_chunked_done(const http_chunked *d) { return d->state == HC_DONE; }

static long fail(http_chunked *d, const char *what) {
  d->state = HC_FAILED;
  snprintf(d->error, sizeof d->error, "bad chunked encoding: %s", what);
  return -1;
}

static int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  c |= 0x20;
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The size line ended: a chunk's data follows, or the last chunk's trailers. */
static void size_line_done(http_chunked *d) {
  d->state = d->left ? HC_DATA : HC_TRAILER;
  d->digits = 0;
  d->line_empty = 1;
}

long http_chunked_decode(http_chunked *d, char *buf, size_t len, size_t *out) {
  size_t i = 0, o = 0;
  if (d->state == HC_FAILED)
    return -1;
  while (i < len && d->state != HC_DONE) {
    if (d->state == HC_SIZE && d->digits == 0) {
      /* Fast path: a whole chunk ("hex CRLF data CRLF") in the buffer, as
       * nearly every SSE chunk is. Anything else takes the state machine. */
      size_t j = i;
      uint64_t size = 0;
      int v;
      while (j < len && j - i < 15 && (v = hex_value((unsigned char)buf[j])) >= 0)
        size = size * 16 + (uint64_t)v, j++;
      if (j > i && size > 0 && len - j >= 4 && buf[j] == '\r' && buf[j + 1] == '\n' &&
          (uint64_t)(len - j - 4) >= size && buf[j + 2 + size] == '\r' &&
          buf[j + 3 + size] == '\n') {
        memmove(buf + o, buf + j + 2, (size_t)size);
        o += (size_t)size;
        i = j + 4 + (size_t)size;
        continue;
      }
    }
    unsigned char c = (unsigned char)buf[i];
    switch (d->state) {
    case HC_SIZE: {
      int v;
      while ((v = hex_value(c)) >= 0) { /* the digits in a tight loop */
        if (++d->digits > 15)
          return fail(d, "chunk size too large");
        d->left = d->left * 16 + (uint64_t)v;
        if (++i == len)
          break;
        c = (unsigned char)buf[i];
      }
      if (i == len)
        break;
      if (d->digits == 0)
        return fail(d, "chunk size expected");
      if (c == '\r' && i + 1 < len && buf[i + 1] == '\n') { /* the usual CRLF */
        i += 2;
        size_line_done(d);
        break;
      }
      if (c == ';' || c == ' ' || c == '\t')
        d->state = HC_EXT;
      else if (c == '\r')
        d->state = HC_SIZE_LF;
      else if (c == '\n')
        size_line_done(d);
      else
        return fail(d, "bad character in the chunk size");
      i++;
      break;
    }
    case HC_EXT: { /* chunk extensions are ignored: skip to the line end */
      const char *lf = memchr(buf + i, '\n', len - i);
      if (!lf) {
        i = len;
        break;
      }
      i = (size_t)(lf - buf) + 1;
      size_line_done(d);
      break;
    }
    case HC_SIZE_LF:
      if (c != '\n')
        return fail(d, "CR without LF after the chunk size");
      size_line_done(d);
      i++;
      break;
    case HC_DATA: {
      size_t k = len - i;
      if (k > d->left)
        k = (size_t)d->left;
      if (o != i)
        memmove(buf + o, buf + i, k);
      o += k;
      i += k;
      d->left -= k;
      if (d->left == 0)
        d->state = HC_DATA_CR;
      break;
    }
    case HC_DATA_CR:
      if (c == '\r' && i + 1 < len && buf[i + 1] == '\n') {
        d->state = HC_SIZE;
        i += 2;
        break;
      }
      if (c == '\r')
        d->state = HC_DATA_LF;
      else if (c == '\n')
        d->state = HC_SIZE;
      else
        return fail(d, "no CRLF after the chunk data");
      i++;
      break;
    case HC_DATA_LF:
      if (c != '\n')
        return fail(d, "no CRLF after the chunk data");
      d->state = HC_SIZE;
      i++;
      break;
    case HC_TRAILER:
      if (c == '\r') {
        d->state = HC_TRAILER_LF;
      } else if (c == '\n') {
        if (d->line_empty)
          d->state = HC_DONE;
        d->line_empty = 1;
      } else {
        d->line_empty = 0;
      }
      i++;
      break;
    case HC_TRAILER_LF:
      if (c != '\n')
        return fail(d, "CR without LF in the trailers");
      d->state = d->line_empty ? HC_DONE : HC_TRAILER;
      d->line_empty = 1;
      i++;
      break;
    }
  }
  *out = o;
  return (long)i;
}
