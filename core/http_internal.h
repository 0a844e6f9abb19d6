/* Internals shared by http_engine.c (queue, requests) and http_transfer.c
 * (curl callbacks and the event loop). Not for other users. */
#ifndef OMNILUA_HTTP_INTERNAL_H
#define OMNILUA_HTTP_INTERNAL_H
#include <curl/curl.h>
#include <netinet/in.h>

#include "grow.h"
#include "http_engine.h"
#include "sse_parse.h"

typedef struct h1_conn h1_conn;

enum { REQ_QUEUED, REQ_ACTIVE, REQ_DONE };
#define IDLE_SCAN_NS 2000000  /* timeouts are checked at most every 2 ms, not per wake-up */
#define WAIT_MAX_NS 100000000 /* the loop looks up at least this often (interrupts) */

struct http_req {
  http_engine *e;
  size_t index;
  char *method, *url, *body, *bearer_hdr, *cainfo;
  size_t body_len;
  struct curl_slist *hdrs;
  http_req_opts o; /* scalars only; pointers above are the owned copies */
  int *retry_on;
  http_callbacks cb;
  int state;
  CURL *easy;
  char curl_err[CURL_ERROR_SIZE]; /* curl's detail of a failure (TLS: which check failed) */
  /* native HTTP/1.1 path (http_h1.c): plain http:// to an IPv4 address */
  int h1; /* this request goes the native way */
  struct sockaddr_in h1_addr;
  char *h1_head; /* the request head, built once for every attempt */
  size_t h1_head_len;
  h1_conn *conn; /* the connection of the running attempt */
  size_t heap_pos, active_pos;
  int64_t due_ns, last_rx_ns;
  int64_t chunk_t_ns; /* arrival time of the chunk being parsed, for its events */
  int got_status;     /* status known for this attempt */
  int discard;        /* this attempt's answer will be retried: swallow its body */
  int delivered;      /* something reached the caller: no more retries */
  int headers_fresh;
  http_err own_err; /* set by a callback that aborted the transfer */
  char own_msg[200];
  sse_parser sse;
  /* kept results */
  http_result res;
  size_t body_cap, headers_cap;
  char *evbuf;
  size_t evbuf_len, evbuf_cap;
  http_event *events;
  size_t nevents, events_cap;
  int64_t *times;
  size_t ntimes, times_cap;
  http_chunk *chunks;
  size_t nchunks, chunks_cap;
};

struct http_engine {
  CURLM *multi;
  int concurrency;
  http_req **reqs;
  size_t nreqs, reqs_cap;
  http_req **queue; /* min-heap on due_ns */
  size_t nqueue, queue_cap;
  http_req **active;
  size_t nactive, active_cap;
  CURL **pool; /* idle easy handles, reused so their connections stay warm */
  size_t npool, pool_cap;
  int timerfd;
  int epfd;                /* curl's sockets and the timerfd (multi_socket_action API) */
  int64_t curl_timeout_at; /* when curl wants CURL_SOCKET_TIMEOUT; -1: never */
  int64_t now_ns;          /* arrival time of the socket event being handled */
  int64_t timer_at;        /* when the timerfd is armed for; -1: not armed */
  int64_t next_idle_scan;
  size_t unfinished;
  int no_native; /* a proxy is configured: every request goes through curl */
  h1_conn *idle; /* kept-alive native connections, newest first */
  size_t nidle;
  h1_conn *dead; /* closed during this wake-up, freed after it */
  char *rbuf;    /* one read buffer for every native connection */
};

/* epoll data of a native connection: its pointer with the top bit set (curl's
 * sockets and the timerfd store their small fd number). */
#define H1_TAG (1ull << 63)

/* Shared by both transports (http_transfer.c). */
void http_set_own_err(http_req *r, http_err e, const char *msg);
void http_got_status(http_req *r, int status);
/* Body bytes of the attempt's answer, all stamped `now`; returns -1 when the
 * request must stop (own_err set). */
int http_body(http_req *r, const char *p, size_t n, int64_t now);
/* An attempt ended: retry it or finish the request. */
void http_attempt_end(http_engine *e, http_req *r, http_err err, const char *msg);

/* The native transport (http_h1.c). */
/* Prepares r for the native path if its URL allows it: 1 yes, 0 no (curl), -1 no memory. */
int h1_prepare(http_req *r, const http_req_opts *o);
void h1_begin(http_engine *e, http_req *r); /* starts an attempt (r is active) */
void h1_io(http_engine *e, h1_conn *c, uint32_t events);
/* Checks connect and total timeouts; returns 1 if it ended the attempt. */
int h1_check_timeouts(http_engine *e, http_req *r, int64_t now, int64_t *wake);
void h1_abort(http_engine *e, http_req *r);  /* ends the attempt with r->own_err */
void h1_detach(http_engine *e, http_req *r); /* closes r's connection, ends nothing */
void h1_reap(http_engine *e);                /* frees connections closed this wake-up */
void h1_free_all(http_engine *e);
int http_queue_push(http_engine *e, http_req *r);
http_req *http_queue_pop(http_engine *e);
/* Registers curl's socket and timer callbacks and the timerfd with epfd. */
int http_watch_setup(http_engine *e);

#endif
