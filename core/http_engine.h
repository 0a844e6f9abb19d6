/*
 * The HTTP engine: many requests at once on libcurl's multi interface, with a
 * concurrency cap, scheduled start times, connection reuse, timeouts (connect,
 * total, idle between chunks), retries with exponential backoff, a hard cap on
 * the response size, and SSE parsing. Every body chunk and every SSE event is
 * stamped with CLOCK_MONOTONIC (ns) when it arrives.
 *
 * A C caller (the perf load engine) gives callbacks and never touches Lua:
 *
 *   http_engine *e = http_engine_new(256);
 *   http_req_opts o = {.method = "POST", .url = u, .body = b, .body_len = n, .sse = 1,
 *                      .start_at_ns = t0 + gap};
 *   http_callbacks cb = {.on_event = my_event, .on_done = my_done, .ud = me};
 *   http_engine_add(e, &o, &cb, err, sizeof err);
 *   http_engine_run(e, 0);           // until every request is done
 *   const http_result *r = http_req_result(req);
 *   http_engine_free(e);
 *
 * Without callbacks the engine keeps what the options ask for (body, events,
 * chunk times) in the request, to be read after the run.
 *
 * Two transports: plain http:// to an IPv4 address (or localhost) without a
 * configured proxy goes through a native HTTP/1.1 reader (http_h1.c: one
 * syscall-light connection per stream, chunked framing and SSE parsed in one
 * pass per socket read); everything else (https, host names, IPv6, proxies,
 * use_curl) through libcurl. Both give the same results and error codes; a
 * "chunk" (keep_chunks, on_data) is one socket read on the native path and
 * one HTTP chunk on curl's.
 */
#ifndef OMNILUA_HTTP_ENGINE_H
#define OMNILUA_HTTP_ENGINE_H
#include <stddef.h>
#include <stdint.h>

typedef struct http_engine http_engine;
typedef struct http_req http_req;

typedef enum {
  HTTP_OK = 0,
  HTTP_ECONNREFUSED, /* nobody listens there */
  HTTP_ECONNRESET,   /* the connection broke or closed before an answer */
  HTTP_TRUNCATED,    /* the body stopped before its announced end */
  HTTP_TIMEOUT,      /* connect or total timeout */
  HTTP_IDLE_TIMEOUT, /* nothing arrived for idle_timeout_ms */
  HTTP_TOO_LARGE,    /* the body passed max_bytes */
  HTTP_BAD_STREAM,   /* SSE: line too long, invalid UTF-8, cut mid-event */
  HTTP_ERESOLVE,     /* host name not found */
  HTTP_ETLS,         /* TLS handshake or certificate */
  HTTP_EPROTO,       /* not HTTP, bad URL, unsupported protocol */
  HTTP_ENOMEM,
  HTTP_EOTHER,
  HTTP_INTERRUPTED /* interrupt_request() (core/interrupt.h): a test timeout or a stopped run */
} http_err;

/* "ECONNREFUSED", "TIMEOUT", ...: the code the Lua API returns. */
const char *http_err_code(http_err e);

typedef struct http_req_opts {
  const char *method; /* NULL: GET, or POST when there is a body */
  const char *url;
  const char *const *headers; /* "Name: value" lines, copied */
  int nheaders;
  const char *body; /* copied */
  size_t body_len;
  const char *bearer; /* API key: sent as "Authorization: Bearer ..."; never logged */
  int64_t timeout_ms, connect_timeout_ms, idle_timeout_ms; /* 0: none (connect: 10 s) */
  int retries;                                             /* extra attempts */
  const int *retry_on; /* status codes that are retried, besides connection errors */
  int nretry_on;
  int64_t backoff_ms;  /* first retry delay, doubled each time (default 200, max 10 s) */
  size_t max_bytes;    /* body cap, 0: none */
  int sse;             /* parse a 2xx body as server-sent events */
  size_t max_line;     /* SSE line cap, 0: 1 MiB */
  int keep_body;       /* keep the body bytes (non-SSE bodies, and error bodies) */
  int keep_events;     /* 1: keep SSE events (name, data, time); 2: times only */
  int keep_chunks;     /* keep (time, size) of every body chunk */
  int64_t start_at_ns; /* CLOCK_MONOTONIC time to start at; 0: as soon as possible */
  int insecure;        /* https without certificate checks (self-signed test servers) */
  const char *cainfo;  /* https: CA bundle (PEM file) to verify the server with, copied */
  int use_curl;        /* never the native HTTP/1.1 path (see below) */
} http_req_opts;

typedef struct http_callbacks {
  /* A body chunk of the answer that is not retried. */
  void (*on_data)(http_req *r, const char *p, size_t n, int64_t t_ns, void *ud);
  /* An SSE event. Return non-zero to abort the request (it ends as HTTP_EOTHER). */
  int (*on_event)(http_req *r, const char *event, size_t elen, const char *data, size_t dlen,
                  int64_t t_ns, void *ud);
  /* The request is finished (result final). */
  void (*on_done)(http_req *r, void *ud);
  void *ud;
} http_callbacks;

typedef struct http_result {
  int status; /* HTTP status of the last attempt, 0 if none arrived */
  http_err err;
  char errmsg[256]; /* what failed and why, without the URL (the caller adds it) */
  int attempts;
  int64_t t_due_ns;        /* when the request was due (start_at or submission) */
  int64_t t_start_ns;      /* the last attempt handed to curl */
  int64_t t_first_byte_ns; /* its first response byte (headers), 0 if none */
  int64_t t_end_ns;
  size_t bytes;  /* body bytes of the last attempt */
  char *headers; /* raw header block of the final response */
  size_t headers_len;
  char *body; /* keep_body, or a non-2xx answer to an SSE request */
  size_t body_len;
  int stream_partial; /* SSE ended in the middle of an event */
} http_result;

typedef struct http_event {
  size_t name_off, name_len, data_off, data_len; /* into the event buffer */
  int64_t t_ns;
} http_event;

typedef struct http_chunk {
  int64_t t_ns;
  size_t size;
} http_chunk;

/* concurrency: how many requests run at once (>= 1). */
http_engine *http_engine_new(int concurrency);
void http_engine_free(http_engine *e); /* frees its requests too */
/* Queues a request; returns NULL with a message in err on bad options. */
http_req *http_engine_add(http_engine *e, const http_req_opts *o, const http_callbacks *cb,
                          char *err, size_t errlen);
/* Runs until every queued request is done, or until deadline_ns (monotonic,
 * 0: none); returns the number of requests still unfinished. An interrupt
 * (core/interrupt.h, checked at least every 100 ms) ends every unfinished
 * request with HTTP_INTERRUPTED and returns 0. */
int http_engine_run(http_engine *e, int64_t deadline_ns);
/* Cancels unfinished requests (they end with HTTP_EOTHER "cancelled"). */
void http_engine_cancel(http_engine *e);

/* The i-th request added (from 0), or NULL. */
http_req *http_engine_request(http_engine *e, size_t i);
const http_result *http_req_result(const http_req *r);
size_t http_req_index(const http_req *r); /* order of addition, from 0 */
/* Kept events/chunks (see keep_events / keep_chunks). */
const http_event *http_req_events(const http_req *r, size_t *n, const char **buf);
const int64_t *http_req_event_times(const http_req *r, size_t *n);
const http_chunk *http_req_chunks(const http_req *r, size_t *n);

#endif
