#include "sse_parse.h"

#include "grow.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SSE_DEFAULT_MAX_LINE (1u << 20)

void sse_init(sse_parser *p, size_t max_line, sse_event_fn on_event, void *ud) {
  memset(p, 0, sizeof *p);
  p->max_line = max_line ? max_line : SSE_DEFAULT_MAX_LINE;
  p->line_no = 1;
  p->on_event = on_event;
  p->ud = ud;
}

void sse_free(sse_parser *p) {
  free(p->line);
  free(p->data);
  p->line = p->data = NULL;
  p->line_cap = p->data_cap = 0;
}

const char *sse_status_name(sse_status s) {
  switch (s) {
  case SSE_OK:
    return "ok";
  case SSE_ERR_LINE_TOO_LONG:
    return "line too long";
  case SSE_ERR_UTF8:
    return "invalid UTF-8";
  case SSE_ERR_NOMEM:
    return "out of memory";
  case SSE_ERR_CALLBACK:
    return "stopped by callback";
  }
  return "unknown";
}

/* 1 if none of the 8 bytes at s has its top bit set. */
static inline int ascii8(const unsigned char *s) {
  uint64_t w;
  memcpy(&w, s, 8);
  return (w & 0x8080808080808080ull) == 0;
}

int sse_utf8_valid(const char *str, size_t n, size_t *bad) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < n) {
    /* ASCII fast path, 32 then 8 bytes at a time: most of an OpenAI stream
     * is ASCII JSON. */
    while (i + 32 <= n) {
      uint64_t a, b, c, d;
      memcpy(&a, s + i, 8);
      memcpy(&b, s + i + 8, 8);
      memcpy(&c, s + i + 16, 8);
      memcpy(&d, s + i + 24, 8);
      if ((a | b | c | d) & 0x8080808080808080ull)
        break;
      i += 32;
    }
    while (i + 8 <= n && ascii8(s + i))
      i += 8;
    if (i >= n)
      break;
    unsigned c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    unsigned min;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1, min = 0x80, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2, min = 0x800, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3, min = 0x10000, cp = c & 0x07;
    } else {
      goto fail;
    }
    for (size_t k = 1; k <= need; k++) {
      if (i + k >= n || (s[i + k] & 0xC0) != 0x80)
        goto fail;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      goto fail;
    i += need + 1;
  }
  return 1;
fail:
  if (bad)
    *bad = i;
  return 0;
}

static sse_status fail(sse_parser *p, sse_status st, const char *fmt, size_t a, size_t b) {
  p->status = st;
  snprintf(p->error, sizeof p->error, fmt, a, b);
  return st;
}

static int grow(char **buf, size_t *cap, size_t need) { return grow_array(buf, cap, need, 1); }

/* A data value still pointing into the caller's buffer goes into p->data
 * (before another data line is added, or before the buffer goes away). */
static int materialize(sse_parser *p) {
  if (!p->pend)
    return 0;
  if (grow(&p->data, &p->data_cap, p->pend_len + 1) != 0)
    return -1;
  memcpy(p->data, p->pend, p->pend_len);
  p->data[p->pend_len] = '\n';
  p->data_len = p->pend_len + 1;
  p->pend = NULL;
  return 0;
}

static sse_status dispatch(sse_parser *p) {
  if (!p->have_data) {
    p->event_len = 0; /* an event with no data is dropped, name included */
    return SSE_OK;
  }
  const char *data;
  size_t n;
  if (p->pend) { /* a one-line event, passed without a copy */
    data = p->pend;
    n = p->pend_len;
    p->pend = NULL;
  } else {
    data = p->data ? p->data : "";
    n = p->data_len;
    if (n > 0 && p->data[n - 1] == '\n')
      n--; /* the last data line's newline is not part of the data */
  }
  p->have_data = 0;
  p->data_len = 0;
  p->events++;
  size_t elen = p->event_len;
  p->event_len = 0;
  if (p->on_event && p->on_event(p->ud, p->event, elen, data, n) != 0)
    return fail(p, SSE_ERR_CALLBACK, "SSE event %zu: stopped by the callback%.0zu", p->events, 0);
  return SSE_OK;
}

/* One complete line (without its end). `checked`: already known to be valid
 * UTF-8; `stable`: s stays valid until the end of this feed. */
static sse_status process_line(sse_parser *p, const char *s, size_t n, int checked, int stable) {
  size_t bad;
  if (!checked && !sse_utf8_valid(s, n, &bad))
    return fail(p, SSE_ERR_UTF8, "SSE line %zu: invalid UTF-8 at byte %zu", p->line_no, bad + 1);
  p->line_no++;
  if (n == 0)
    return dispatch(p);
  const char *val;
  size_t name_len;
  if (n >= 5 && memcmp(s, "data:", 5) == 0) { /* nearly every line */
    name_len = 4;
    val = s + 5;
  } else {
    if (s[0] == ':')
      return SSE_OK; /* comment: keep-alives and the like */
    const char *colon = memchr(s, ':', n);
    name_len = colon ? (size_t)(colon - s) : n;
    val = colon ? colon + 1 : s + n;
  }
  size_t val_len = (size_t)(s + n - val);
  if (val_len > 0 && val[0] == ' ')
    val++, val_len--;
  if (name_len == 4 && memcmp(s, "data", 4) == 0) {
    if (!p->have_data && stable) { /* keep a pointer: most events are one line */
      p->pend = val;
      p->pend_len = val_len;
      p->have_data = 1;
      return SSE_OK;
    }
    if (materialize(p) != 0 || grow(&p->data, &p->data_cap, p->data_len + val_len + 1) != 0)
      return fail(p, SSE_ERR_NOMEM, "SSE line %zu: out of memory%.0zu", p->line_no, 0);
    memcpy(p->data + p->data_len, val, val_len);
    p->data_len += val_len;
    p->data[p->data_len++] = '\n';
    p->have_data = 1;
  } else if (name_len == 5 && memcmp(s, "event", 5) == 0) {
    size_t k = val_len < sizeof p->event - 1 ? val_len : sizeof p->event - 1;
    memcpy(p->event, val, k);
    p->event[k] = '\0';
    p->event_len = k;
  }
  /* "id", "retry" and unknown fields are ignored, as the specification says. */
  return SSE_OK;
}

static sse_status feed_lines(sse_parser *p, const char *buf, size_t len);

sse_status sse_feed(sse_parser *p, const char *buf, size_t len) {
  if (p->status != SSE_OK)
    return p->status;
  sse_status st = feed_lines(p, buf, len);
  if (st == SSE_OK && materialize(p) != 0) /* buf is the caller's: copy what is kept */
    return fail(p, SSE_ERR_NOMEM, "SSE line %zu: out of memory%.0zu", p->line_no, 0);
  p->pend = NULL;
  return st;
}

static sse_status feed_lines(sse_parser *p, const char *buf, size_t len) {
  const char *s = buf, *end = buf + len;
  if (p->skip_lf && s < end) {
    if (*s == '\n')
      s++;
    p->skip_lf = 0;
  }
  /* Whole-feed checks, one pass each instead of one call per line: valid
   * UTF-8 (lines cut at a feed end are checked again once whole: a
   * character may be cut there), and whether any CR needs looking for. */
  int checked = sse_utf8_valid(s, (size_t)(end - s), NULL);
  int has_cr = memchr(s, '\r', (size_t)(end - s)) != NULL;
  while (s < end) {
    const char *lf = memchr(s, '\n', (size_t)(end - s));
    const char *cr = has_cr ? memchr(s, '\r', (size_t)((lf ? lf : end) - s)) : NULL;
    const char *eol = cr ? cr : lf;
    if (!eol) { /* no line end: keep the rest for the next feed */
      size_t n = (size_t)(end - s);
      if (p->line_len + n > p->max_line)
        return fail(p, SSE_ERR_LINE_TOO_LONG, "SSE line %zu: longer than %zu bytes", p->line_no,
                    p->max_line);
      if (grow(&p->line, &p->line_cap, p->line_len + n) != 0)
        return fail(p, SSE_ERR_NOMEM, "SSE line %zu: out of memory%.0zu", p->line_no, 0);
      memcpy(p->line + p->line_len, s, n);
      p->line_len += n;
      return SSE_OK;
    }
    size_t n = (size_t)(eol - s);
    if (p->line_len + n > p->max_line)
      return fail(p, SSE_ERR_LINE_TOO_LONG, "SSE line %zu: longer than %zu bytes", p->line_no,
                  p->max_line);
    sse_status st;
    if (p->line_len == 0) { /* whole line in this buffer: no copy */
      st = process_line(p, s, n, checked, 1);
    } else {
      if (grow(&p->line, &p->line_cap, p->line_len + n) != 0)
        return fail(p, SSE_ERR_NOMEM, "SSE line %zu: out of memory%.0zu", p->line_no, 0);
      memcpy(p->line + p->line_len, s, n);
      st = process_line(p, p->line, p->line_len + n, 0, 0);
      p->line_len = 0;
    }
    if (st != SSE_OK)
      return st;
    s = eol + 1;
    if (*eol == '\n') {
      if (s < end && *s == '\n') { /* the blank line that ends an event */
        if ((st = process_line(p, s, 0, 1, 1)) != SSE_OK)
          return st;
        s++;
      }
      continue;
    }
    if (*eol == '\r') {
      if (s < end) {
        if (*s == '\n')
          s++;
      } else {
        p->skip_lf = 1; /* CR at the end of the feed: an LF may follow */
      }
    }
  }
  return SSE_OK;
}

int sse_finish(sse_parser *p) {
  int partial = p->line_len > 0 || p->have_data;
  p->line_len = 0;
  p->have_data = 0;
  p->data_len = 0;
  p->pend = NULL;
  return partial;
}
