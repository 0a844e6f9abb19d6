/*
 * Incremental parser for server-sent events (the WHATWG "text/event-stream"
 * format): bytes go in as they arrive, split anywhere, and a callback gets each
 * complete event. Handles "data:" lines (several are joined with '\n'),
 * "event:" names, comments (":..."), and LF, CRLF or lone CR line ends.
 * Guards against hostile streams: a line longer than max_line bytes and bytes
 * that are not valid UTF-8 stop the parse with an error that says where.
 */
#ifndef OMNILUA_SSE_PARSE_H
#define OMNILUA_SSE_PARSE_H
#include <stddef.h>

typedef enum {
  SSE_OK = 0,
  SSE_ERR_LINE_TOO_LONG, /* a line grew past max_line bytes */
  SSE_ERR_UTF8,          /* a line is not valid UTF-8 */
  SSE_ERR_NOMEM,
  SSE_ERR_CALLBACK /* the event callback asked to stop */
} sse_status;

/* Called for each dispatched event; `event` is "" unless an "event:" field was
 * given. `data` is not NUL-terminated. Return non-zero to stop parsing. */
typedef int (*sse_event_fn)(void *ud, const char *event, size_t event_len, const char *data,
                            size_t data_len);

typedef struct sse_parser {
  char *line; /* a line split across feeds */
  size_t line_len, line_cap;
  char *data; /* data of the event being built, lines joined with '\n' */
  size_t data_len, data_cap;
  char event[64];
  size_t event_len;
  const char *pend; /* the event's only data line so far, still in the fed buffer */
  size_t pend_len;
  int have_data; /* a data field was seen since the last dispatch */
  int skip_lf;   /* the previous feed ended in CR: a leading LF belongs to it */
  size_t max_line;
  size_t line_no; /* 1-based number of the line being read, for messages */
  size_t events;  /* events dispatched so far */
  sse_event_fn on_event;
  void *ud;
  sse_status status; /* sticky: once failed, feeds are refused */
  char error[160];
} sse_parser;

/* max_line 0 means the default, 1 MiB. */
void sse_init(sse_parser *p, size_t max_line, sse_event_fn on_event, void *ud);
/* Feeds bytes; returns SSE_OK or the (sticky) error, described by p->error. */
sse_status sse_feed(sse_parser *p, const char *buf, size_t len);
/* End of stream: returns 1 if a partial event or line was pending (the stream
 * was cut in the middle of an event), else 0. Pending data is discarded, as
 * the SSE specification says. */
int sse_finish(sse_parser *p);
void sse_free(sse_parser *p);
const char *sse_status_name(sse_status s);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF);
 * else 0 and *bad is the offset of the first bad byte. */
int sse_utf8_valid(const char *s, size_t n, size_t *bad);

#endif
