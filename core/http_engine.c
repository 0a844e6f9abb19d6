#include "http_engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "grow.h"
#include "http_internal.h"

const char *http_err_code(http_err e) {
  static const char *names[] = {"OK",       "ECONNREFUSED", "ECONNRESET", "TRUNCATED",
                                "TIMEOUT",  "IDLE_TIMEOUT", "TOO_LARGE",  "BAD_STREAM",
                                "ERESOLVE", "ETLS",         "EPROTO",     "ENOMEM",
                                "EOTHER",   "INTERRUPTED"};
  return (unsigned)e < sizeof names / sizeof *names ? names[e] : "EOTHER";
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

/* ---- the queue of requests waiting for their time or a free slot ---- */

static int due_before(const http_req *a, const http_req *b) {
  return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->index < b->index);
}

static void heap_swap(http_req **h, size_t i, size_t j) {
  http_req *t = h[i];
  h[i] = h[j];
  h[j] = t;
  h[i]->heap_pos = i;
  h[j]->heap_pos = j;
}

int http_queue_push(http_engine *e, http_req *r) {
  if (grow_array(&e->queue, &e->queue_cap, e->nqueue + 1, sizeof *e->queue) != 0)
    return -1;
  size_t i = e->nqueue++;
  e->queue[i] = r;
  r->heap_pos = i;
  while (i > 0 && due_before(e->queue[i], e->queue[(i - 1) / 2])) {
    heap_swap(e->queue, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  return 0;
}

http_req *http_queue_pop(http_engine *e) {
  http_req *top = e->queue[0];
  e->queue[0] = e->queue[--e->nqueue];
  e->queue[0]->heap_pos = 0;
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < e->nqueue && due_before(e->queue[l], e->queue[m]))
      m = l;
    if (r < e->nqueue && due_before(e->queue[r], e->queue[m]))
      m = r;
    if (m == i)
      break;
    heap_swap(e->queue, i, m);
    i = m;
  }
  return top;
}

/* ---- engine ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_ALL); }

/* Many concurrent streams need many descriptors: lift the soft limit. */
static void raise_fd_limit(int want) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= (rlim_t)want)
    return;
  rl.rlim_cur =
      rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (rlim_t)want ? (rlim_t)want : rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
}

/* curl honours these; the native path does not know proxies, so with one set
 * every request goes through curl. */
static int proxy_configured(void) {
  /* OMNILUA_HTTP_CURL=1 forces curl too: to compare the two paths. */
  static const char *vars[] = {"http_proxy", "all_proxy", "ALL_PROXY", "OMNILUA_HTTP_CURL"};
  for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
    const char *v = getenv(vars[i]);
    if (v && *v)
      return 1;
  }
  return 0;
}

http_engine *http_engine_new(int concurrency) {
  pthread_once(&curl_once, curl_init_once);
  http_engine *e = calloc(1, sizeof *e);
  if (!e)
    return NULL;
  e->timerfd = e->epfd = -1;
  e->concurrency = concurrency < 1 ? 1 : concurrency;
  e->multi = curl_multi_init();
  e->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  e->epfd = epoll_create1(EPOLL_CLOEXEC);
  e->curl_timeout_at = -1;
  e->timer_at = -1;
  if (!e->multi || e->timerfd < 0 || e->epfd < 0 || http_watch_setup(e) != 0) {
    http_engine_free(e);
    return NULL;
  }
  e->no_native = proxy_configured();
  long keep = e->concurrency < 16 ? 16 : e->concurrency;
  curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, keep);
  raise_fd_limit(e->concurrency * 2 + 256);
  return e;
}

static void req_free(http_req *r) {
  free(r->method);
  free(r->url);
  free(r->body);
  free(r->bearer_hdr);
  free(r->cainfo);
  free(r->h1_head);
  free(r->retry_on);
  curl_slist_free_all(r->hdrs);
  sse_free(&r->sse);
  free(r->res.headers);
  free(r->res.body);
  free(r->evbuf);
  free(r->events);
  free(r->times);
  free(r->chunks);
  free(r);
}

void http_engine_free(http_engine *e) {
  if (!e)
    return;
  for (size_t i = 0; i < e->nreqs; i++) {
    http_req *r = e->reqs[i];
    if (r->easy) {
      curl_multi_remove_handle(e->multi, r->easy);
      curl_easy_cleanup(r->easy);
    }
    if (r->conn)
      h1_detach(e, r);
    req_free(r);
  }
  h1_free_all(e);
  for (size_t i = 0; i < e->npool; i++)
    curl_easy_cleanup(e->pool[i]);
  if (e->multi)
    curl_multi_cleanup(e->multi);
  if (e->timerfd >= 0)
    close(e->timerfd);
  if (e->epfd >= 0)
    close(e->epfd);
  free(e->reqs);
  free(e->queue);
  free(e->active);
  free(e->pool);
  free(e);
}

http_req *http_engine_add(http_engine *e, const http_req_opts *o, const http_callbacks *cb,
                          char *err, size_t errlen) {
  if (!o->url || !*o->url) {
    snprintf(err, errlen, "request has no url");
    return NULL;
  }
  if (grow_array(&e->reqs, &e->reqs_cap, e->nreqs + 1, sizeof *e->reqs) != 0)
    goto nomem;
  http_req *r = calloc(1, sizeof *r);
  if (!r)
    goto nomem;
  r->e = e;
  r->index = e->nreqs;
  e->reqs[e->nreqs++] = r; /* owned by the engine from here on, even if the rest fails */
  r->o = *o;
  r->method = dup_or_null(o->method ? o->method : (o->body ? "POST" : "GET"));
  r->url = dup_or_null(o->url);
  r->cainfo = dup_or_null(o->cainfo);
  if (o->body) {
    r->body = malloc(o->body_len ? o->body_len : 1);
    if (r->body)
      memcpy(r->body, o->body, o->body_len);
    r->body_len = o->body_len;
  }
  if (o->nretry_on > 0) {
    r->retry_on = malloc(sizeof(int) * (size_t)o->nretry_on);
    if (r->retry_on)
      memcpy(r->retry_on, o->retry_on, sizeof(int) * (size_t)o->nretry_on);
  }
  /* An empty Expect: stops curl from waiting for "100 Continue" on big bodies. */
  r->hdrs = curl_slist_append(NULL, "Expect:");
  for (int i = 0; i < o->nheaders && r->hdrs; i++) {
    struct curl_slist *n = curl_slist_append(r->hdrs, o->headers[i]);
    if (!n)
      goto nomem;
    r->hdrs = n;
  }
  if (o->bearer && *o->bearer) {
    size_t n = strlen(o->bearer) + 32;
    r->bearer_hdr = malloc(n);
    if (r->bearer_hdr) {
      snprintf(r->bearer_hdr, n, "Authorization: Bearer %s", o->bearer);
      struct curl_slist *s = curl_slist_append(r->hdrs, r->bearer_hdr);
      if (s)
        r->hdrs = s;
    }
  }
  if (!r->method || !r->url || (o->cainfo && !r->cainfo) || (o->body && !r->body) ||
      (o->nretry_on > 0 && !r->retry_on) || !r->hdrs)
    goto nomem;
  if (!e->no_native && (r->h1 = h1_prepare(r, o)) < 0)
    goto nomem;
  r->o.headers = NULL;
  r->o.body = NULL;
  r->o.bearer = NULL;
  r->o.cainfo = r->cainfo;
  r->o.retry_on = NULL;
  r->o.url = r->url;
  r->o.method = r->method;
  if (cb)
    r->cb = *cb;
  int64_t now = clock_now_ns();
  r->due_ns = o->start_at_ns > 0 ? o->start_at_ns : now;
  r->res.t_due_ns = r->due_ns;
  r->state = REQ_QUEUED;
  if (http_queue_push(e, r) != 0)
    goto nomem;
  e->unfinished++;
  return r;
nomem:
  snprintf(err, errlen, "out of memory");
  return NULL;
}

http_req *http_engine_request(http_engine *e, size_t i) { return i < e->nreqs ? e->reqs[i] : NULL; }
const http_result *http_req_result(const http_req *r) { return &r->res; }
size_t http_req_index(const http_req *r) { return r->index; }
const http_event *http_req_events(const http_req *r, size_t *n, const char **buf) {
  *n = r->nevents;
  *buf = r->evbuf;
  return r->events;
}
const int64_t *http_req_event_times(const http_req *r, size_t *n) {
  *n = r->ntimes;
  return r->times;
}
const http_chunk *http_req_chunks(const http_req *r, size_t *n) {
  *n = r->nchunks;
  return r->chunks;
}
