/* Internals shared by http_engine.c (queue, requests) and http_transfer.c
 * (curl callbacks and the event loop). Not for other users. */
#ifndef OMNILUA_HTTP_INTERNAL_H
#define OMNILUA_HTTP_INTERNAL_H
#include <curl/curl.h>

#include "http_engine.h"
#include "sse_parse.h"

enum { REQ_QUEUED, REQ_ACTIVE, REQ_DONE };
#define IDLE_SCAN_NS 2000000 /* idle timeouts are checked every 2 ms, not per wake-up */

struct http_req {
  http_engine *e;
  size_t index;
  char *method, *url, *body, *bearer_hdr;
  size_t body_len;
  struct curl_slist *hdrs;
  http_req_opts o; /* scalars only; pointers above are the owned copies */
  int *retry_on;
  http_callbacks cb;
  int state;
  CURL *easy;
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
  int64_t next_idle_scan;
  size_t unfinished;
};

int http_grow(void *pp, size_t *cap, size_t need, size_t elem);
int http_queue_push(http_engine *e, http_req *r);
http_req *http_queue_pop(http_engine *e);
/* Registers curl's socket and timer callbacks and the timerfd with epfd. */
int http_watch_setup(http_engine *e);

#endif
