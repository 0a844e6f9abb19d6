/* Driving the transfers: curl callbacks (stamping arrival times, SSE, caps),
 * starting attempts, classifying how they ended, retries, and the loop. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "http_internal.h"
#include "interrupt.h"

void http_set_own_err(http_req *r, http_err e, const char *msg) {
  if (r->own_err == HTTP_OK) {
    r->own_err = e;
    snprintf(r->own_msg, sizeof r->own_msg, "%s", msg);
  }
}
#define set_own_err http_set_own_err

static int append(char **buf, size_t *len, size_t *cap, const char *p, size_t n) {
  if (grow_array(buf, cap, *len + n + 1, 1) != 0)
    return -1;
  memcpy(*buf + *len, p, n);
  *len += n;
  (*buf)[*len] = '\0';
  return 0;
}

static int is_retry_status(const http_req *r, int status) {
  for (int i = 0; i < r->o.nretry_on; i++)
    if (r->retry_on[i] == status)
      return 1;
  return 0;
}

static int on_sse_event(void *ud, const char *ev, size_t elen, const char *data, size_t dlen) {
  http_req *r = ud;
  r->delivered = 1;
  if (r->o.keep_events == 2) {
    if (r->ntimes == r->times_cap &&
        grow_array(&r->times, &r->times_cap, r->ntimes + 1, sizeof *r->times) != 0)
      return 1;
    r->times[r->ntimes++] = r->chunk_t_ns;
  } else if (r->o.keep_events) {
    if (grow_array(&r->events, &r->events_cap, r->nevents + 1, sizeof *r->events) != 0)
      return 1;
    http_event *x = &r->events[r->nevents];
    x->t_ns = r->chunk_t_ns;
    x->name_off = r->evbuf_len;
    x->name_len = elen;
    if (append(&r->evbuf, &r->evbuf_len, &r->evbuf_cap, ev, elen) != 0)
      return 1;
    x->data_off = r->evbuf_len;
    x->data_len = dlen;
    if (append(&r->evbuf, &r->evbuf_len, &r->evbuf_cap, data, dlen) != 0)
      return 1;
    r->nevents++;
  }
  if (r->cb.on_event && r->cb.on_event(r, ev, elen, data, dlen, r->chunk_t_ns, r->cb.ud) != 0) {
    set_own_err(r, HTTP_EOTHER, "aborted by the event callback");
    return 1;
  }
  return 0;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud) {
  http_req *r = ud;
  size_t len = sz * n;
  if (r->res.t_first_byte_ns == 0)
    r->res.t_first_byte_ns = clock_now_ns();
  r->last_rx_ns = clock_now_ns();
  /* A new status line (after 100 Continue or a redirect) starts a new block. */
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
    r->res.headers_len = 0;
  if (append(&r->res.headers, &r->res.headers_len, &r->headers_cap, p, len) != 0)
    return 0;
  return len;
}

void http_got_status(http_req *r, int status) {
  r->res.status = status;
  r->got_status = 1;
  if (r->res.attempts <= r->o.retries && is_retry_status(r, status))
    r->discard = 1;
}

int http_body(http_req *r, const char *p, size_t len, int64_t now) {
  r->last_rx_ns = now;
  if (r->discard)
    return 0;
  r->res.bytes += len;
  if (r->o.max_bytes && r->res.bytes > r->o.max_bytes) {
    char m[96];
    snprintf(m, sizeof m, "response larger than %zu bytes", r->o.max_bytes);
    set_own_err(r, HTTP_TOO_LARGE, m);
    return -1;
  }
  if (r->o.keep_chunks) {
    if (grow_array(&r->chunks, &r->chunks_cap, r->nchunks + 1, sizeof *r->chunks) != 0) {
      set_own_err(r, HTTP_ENOMEM, "out of memory");
      return -1;
    }
    r->chunks[r->nchunks++] = (http_chunk){now, len};
  }
  if (r->cb.on_data) {
    r->delivered = 1;
    r->cb.on_data(r, p, len, now, r->cb.ud);
  }
  int ok_status = r->res.status >= 200 && r->res.status < 300;
  if (r->o.sse && ok_status) {
    r->chunk_t_ns = now;
    sse_status s = sse_feed(&r->sse, p, len);
    if (s != SSE_OK) {
      set_own_err(r,
                  s == SSE_ERR_NOMEM      ? HTTP_ENOMEM
                  : s == SSE_ERR_CALLBACK ? r->own_err ? r->own_err : HTTP_EOTHER
                                          : HTTP_BAD_STREAM,
                  r->sse.error);
      return -1;
    }
  } else if (r->o.keep_body || r->o.sse) {
    if (append(&r->res.body, &r->res.body_len, &r->body_cap, p, len) != 0) {
      set_own_err(r, HTTP_ENOMEM, "out of memory");
      return -1;
    }
  }
  return 0;
}

static size_t on_write(char *p, size_t sz, size_t n, void *ud) {
  http_req *r = ud;
  size_t len = sz * n;
  int64_t now = r->e->now_ns ? r->e->now_ns : clock_now_ns();
  if (!r->got_status) {
    long st = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &st);
    http_got_status(r, (int)st);
  }
  return http_body(r, p, len, now) == 0 ? len : 0;
}

static CURL *take_easy(http_engine *e) {
  if (e->npool > 0) {
    CURL *c = e->pool[--e->npool];
    curl_easy_reset(c);
    return c;
  }
  return curl_easy_init();
}

static void give_easy(http_engine *e, CURL *c) {
  if (grow_array(&e->pool, &e->pool_cap, e->npool + 1, sizeof *e->pool) == 0)
    e->pool[e->npool++] = c;
  else
    curl_easy_cleanup(c);
}

static void finish(http_engine *e, http_req *r) {
  r->state = REQ_DONE;
  r->res.t_end_ns = clock_now_ns();
  e->unfinished--;
  if (r->cb.on_done)
    r->cb.on_done(r, r->cb.ud);
}

static void fail_now(http_engine *e, http_req *r, http_err err, const char *msg) {
  r->res.err = err;
  snprintf(r->res.errmsg, sizeof r->res.errmsg, "%s", msg);
  finish(e, r);
}

static void active_add(http_engine *e, http_req *r) {
  r->active_pos = e->nactive;
  e->active[e->nactive++] = r;
}

static void active_remove(http_engine *e, http_req *r) {
  size_t i = r->active_pos;
  e->active[i] = e->active[--e->nactive];
  e->active[i]->active_pos = i;
}

static void start_curl(http_engine *e, http_req *r) {
  CURL *c = take_easy(e);
  if (!c) {
    http_attempt_end(e, r, HTTP_ENOMEM, "cannot create a curl handle");
    return;
  }
  r->easy = c;
  curl_easy_setopt(c, CURLOPT_URL, r->url);
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, r->method);
  if (strcmp(r->method, "HEAD") == 0)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (r->body) {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->hdrs);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(c, CURLOPT_PRIVATE, r);
  r->curl_err[0] = '\0';
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, r->curl_err);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 65536L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   (long)(r->o.connect_timeout_ms > 0 ? r->o.connect_timeout_ms : 10000));
  if (r->o.timeout_ms > 0)
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)r->o.timeout_ms);
  if (r->o.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (r->cainfo)
    curl_easy_setopt(c, CURLOPT_CAINFO, r->cainfo);
  if (curl_multi_add_handle(e->multi, c) != CURLM_OK) {
    r->easy = NULL;
    give_easy(e, c);
    http_attempt_end(e, r, HTTP_EOTHER, "curl refused the request");
  }
}

static void start(http_engine *e, http_req *r) {
  r->state = REQ_ACTIVE;
  r->res.attempts++;
  r->res.t_start_ns = r->last_rx_ns = clock_now_ns();
  r->res.t_first_byte_ns = 0;
  r->res.status = 0;
  r->res.bytes = r->res.body_len = r->res.headers_len = 0;
  r->got_status = r->discard = 0;
  r->own_err = HTTP_OK;
  r->own_msg[0] = '\0';
  sse_free(&r->sse);
  sse_init(&r->sse, r->o.max_line, on_sse_event, r);
  active_add(e, r);
  int64_t first = INT64_MAX; /* the first deadline the idle scan must see */
  if (r->o.idle_timeout_ms > 0)
    first = r->res.t_start_ns + r->o.idle_timeout_ms * 1000000;
  if (r->h1) {
    int64_t ct = r->o.connect_timeout_ms > 0 ? r->o.connect_timeout_ms : 10000;
    if (r->res.t_start_ns + ct * 1000000 < first)
      first = r->res.t_start_ns + ct * 1000000;
    if (r->o.timeout_ms > 0 && r->res.t_start_ns + r->o.timeout_ms * 1000000 < first)
      first = r->res.t_start_ns + r->o.timeout_ms * 1000000;
  }
  if (first < e->next_idle_scan)
    e->next_idle_scan = first;
  if (r->h1)
    h1_begin(e, r);
  else
    start_curl(e, r);
}

/* Gives the curl handle of an ended attempt back to the pool. */
static void curl_release(http_engine *e, http_req *r) {
  curl_multi_remove_handle(e->multi, r->easy);
  give_easy(e, r->easy);
  r->easy = NULL;
}

/* Maps curl's result to our classification and message. */
static http_err classify(http_req *r, CURLcode rc, char *msg, size_t n) {
  long oserr = 0;
  curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &oserr);
  switch (rc) {
  case CURLE_OK:
    return HTTP_OK;
  case CURLE_WRITE_ERROR:
  case CURLE_ABORTED_BY_CALLBACK:
    if (r->own_err != HTTP_OK) {
      snprintf(msg, n, "%s", r->own_msg);
      return r->own_err;
    }
    break;
  case CURLE_COULDNT_CONNECT:
    snprintf(msg, n, "cannot connect: %s", oserr ? strerror((int)oserr) : "connection refused");
    return HTTP_ECONNREFUSED;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    snprintf(msg, n, "cannot resolve the host name");
    return HTTP_ERESOLVE;
  case CURLE_OPERATION_TIMEDOUT:
    if (r->res.t_first_byte_ns == 0 && r->got_status == 0) {
      curl_off_t ct = 0;
      curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &ct);
      if (ct == 0) {
        snprintf(msg, n, "connect timeout after %lld ms",
                 (long long)(r->o.connect_timeout_ms > 0 ? r->o.connect_timeout_ms : 10000));
        return HTTP_TIMEOUT;
      }
    }
    snprintf(msg, n, "timeout after %lld ms", (long long)r->o.timeout_ms);
    return HTTP_TIMEOUT;
  case CURLE_PARTIAL_FILE:
    snprintf(msg, n, "truncated: the connection closed before the end of the body");
    return HTTP_TRUNCATED;
  case CURLE_GOT_NOTHING:
    snprintf(msg, n, "the server closed the connection without answering");
    return HTTP_ECONNRESET;
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
    if (r->got_status) {
      snprintf(msg, n, "truncated: %s", curl_easy_strerror(rc));
      return HTTP_TRUNCATED;
    }
    snprintf(msg, n, "connection reset: %s", oserr ? strerror((int)oserr) : curl_easy_strerror(rc));
    return HTTP_ECONNRESET;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
    snprintf(msg, n, "TLS: %.180s", r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc));
    return HTTP_ETLS;
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_URL_MALFORMAT:
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_BAD_CONTENT_ENCODING:
    snprintf(msg, n, "protocol: %s", curl_easy_strerror(rc));
    return HTTP_EPROTO;
  case CURLE_OUT_OF_MEMORY:
    snprintf(msg, n, "out of memory");
    return HTTP_ENOMEM;
  default:
    break;
  }
  snprintf(msg, n, "%s", curl_easy_strerror(rc));
  return HTTP_EOTHER;
}

static void retry_later(http_engine *e, http_req *r) {
  int64_t delay = r->o.backoff_ms > 0 ? r->o.backoff_ms : 200;
  for (int i = 1; i < r->res.attempts && delay < 10000; i++)
    delay *= 2;
  if (delay > 10000)
    delay = 10000;
  r->state = REQ_QUEUED;
  r->due_ns = clock_now_ns() + delay * 1000000;
  if (http_queue_push(e, r) != 0)
    fail_now(e, r, HTTP_ENOMEM, "out of memory");
}

void http_attempt_end(http_engine *e, http_req *r, http_err err, const char *msg) {
  if (err == HTTP_OK && r->o.sse && r->res.status >= 200 && r->res.status < 300)
    r->res.stream_partial = sse_finish(&r->sse);
  active_remove(e, r);
  int can_retry = r->res.attempts <= r->o.retries && !r->delivered;
  int conn_err = err == HTTP_ECONNREFUSED || err == HTTP_ECONNRESET ||
                 (err == HTTP_TIMEOUT && r->res.t_first_byte_ns == 0 && !r->got_status);
  if (can_retry && (conn_err || (err == HTTP_OK && r->discard))) {
    retry_later(e, r);
    return;
  }
  r->res.err = err;
  snprintf(r->res.errmsg, sizeof r->res.errmsg, "%s", err == HTTP_OK ? "" : msg);
  finish(e, r);
}

/* A curl attempt ended (curl done, or we aborted it with own_err set). */
static void attempt_done(http_engine *e, http_req *r, CURLcode rc) {
  char msg[200];
  http_err err = classify(r, rc, msg, sizeof msg);
  if (!r->got_status) { /* no body arrived (HEAD, 204, empty 200): ask curl */
    long st = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &st);
    r->res.status = (int)st; /* got_status stays 0: nothing of the body arrived */
    if (r->res.attempts <= r->o.retries && is_retry_status(r, (int)st))
      r->discard = 1;
  }
  curl_release(e, r);
  http_attempt_end(e, r, err, msg);
}

/* Ends the running attempt of r, whose own_err says why. */
static void abort_attempt(http_engine *e, http_req *r) {
  if (r->h1)
    h1_abort(e, r);
  else
    attempt_done(e, r, CURLE_ABORTED_BY_CALLBACK);
}

static void check_idle(http_engine *e, int64_t now, int64_t *wake) {
  for (size_t i = 0; i < e->nactive;) {
    http_req *r = e->active[i];
    if (r->o.idle_timeout_ms > 0) {
      int64_t limit = r->last_rx_ns + r->o.idle_timeout_ms * 1000000;
      if (now >= limit) {
        char m[96];
        snprintf(m, sizeof m, "idle timeout: nothing received for %lld ms",
                 (long long)r->o.idle_timeout_ms);
        set_own_err(r, HTTP_IDLE_TIMEOUT, m);
        r->delivered = 1; /* a stalled server is not retried */
        abort_attempt(e, r);
        continue; /* the slot now holds another request */
      }
      if (limit < *wake)
        *wake = limit;
    }
    if (r->h1 && h1_check_timeouts(e, r, now, wake))
      continue;
    i++;
  }
}

static void arm_timer(http_engine *e, int64_t at_ns) {
  struct itimerspec its = {0};
  its.it_value.tv_sec = at_ns / 1000000000;
  its.it_value.tv_nsec = at_ns % 1000000000;
  timerfd_settime(e->timerfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* curl tells which sockets to watch; we keep them in our epoll set, so each
 * wake-up touches only the transfers with data (curl_multi_perform would walk
 * every handle: O(streams) per wake-up). */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  (void)easy;
  http_engine *e = userp;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(e->epfd, EPOLL_CTL_DEL, fd, NULL);
    curl_multi_assign(e->multi, fd, NULL);
    return 0;
  }
  struct epoll_event ev = {.data.fd = fd};
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
  if (socketp == NULL) {
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
      epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
    curl_multi_assign(e->multi, fd, e);
  } else {
    epoll_ctl(e->epfd, EPOLL_CTL_MOD, fd, &ev);
  }
  return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
  (void)multi;
  http_engine *e = userp;
  e->curl_timeout_at = timeout_ms < 0 ? -1 : clock_now_ns() + (int64_t)timeout_ms * 1000000;
  return 0;
}

int http_watch_setup(http_engine *e) {
  curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e);
  curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = e->timerfd};
  return epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->timerfd, &ev);
}

static void read_done(http_engine *e) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE)
      continue;
    http_req *r = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    if (r)
      attempt_done(e, r, m->data.result);
  }
}

/* Ends every unfinished request (running or waiting) with err, no retries. */
static void end_all(http_engine *e, http_err err, const char *msg) {
  while (e->nactive > 0) {
    http_req *r = e->active[0];
    set_own_err(r, err, msg);
    r->delivered = 1;
    abort_attempt(e, r);
  }
  while (e->nqueue > 0)
    fail_now(e, http_queue_pop(e), err, msg);
  h1_reap(e);
}

int http_engine_run(http_engine *e, int64_t deadline_ns) {
  if (grow_array(&e->active, &e->active_cap, (size_t)e->concurrency, sizeof *e->active) != 0)
    return (int)e->unfinished;
  struct epoll_event evs[256];
  int running;
  while (e->unfinished > 0) {
    if (interrupt_pending()) {
      end_all(e, HTTP_INTERRUPTED, INTERRUPT_MESSAGE);
      break;
    }
    int64_t now = clock_now_ns();
    if (deadline_ns > 0 && now >= deadline_ns)
      break;
    while (e->nqueue > 0 && (int)e->nactive < e->concurrency && e->queue[0]->due_ns <= now)
      start(e, http_queue_pop(e));
    if (e->curl_timeout_at >= 0 && now >= e->curl_timeout_at) {
      e->curl_timeout_at = -1;
      e->now_ns = now;
      curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    read_done(e);
    if (e->unfinished == 0)
      break;
    now = clock_now_ns();
    if (now >= e->next_idle_scan) {
      /* Scan again at the earliest deadline found (start() pulls it nearer
       * for new requests), not at every wake-up: O(active) per scan. */
      int64_t due = now + 3600 * (int64_t)1000000000;
      check_idle(e, now, &due);
      e->next_idle_scan = due > now + IDLE_SCAN_NS ? due : now + IDLE_SCAN_NS;
      if (e->unfinished == 0)
        break;
    }
    int64_t wake = now + WAIT_MAX_NS;
    int precise = 0; /* scheduled starts and the caller's deadline need ns */
    if (e->next_idle_scan < wake)
      wake = e->next_idle_scan;
    if (e->nqueue > 0 && (int)e->nactive < e->concurrency && e->queue[0]->due_ns < wake)
      wake = e->queue[0]->due_ns, precise = 1;
    if (deadline_ns > 0 && deadline_ns < wake)
      wake = deadline_ns, precise = 1;
    if (e->curl_timeout_at >= 0 && e->curl_timeout_at < wake)
      wake = e->curl_timeout_at, precise = 0;
    if (wake <= now)
      continue;
    /* The timerfd wakes us with ns precision, armed only when that matters
     * and the time changed (a syscall per wake-up is measurable at 1000
     * streams); otherwise the epoll timeout, rounded up to whole ms. */
    int timeout_ms = (int)((wake - now + 999999) / 1000000);
    if (precise) {
      if (e->timer_at != wake)
        arm_timer(e, wake);
      e->timer_at = wake;
      timeout_ms += 2; /* a backstop only */
    }
    int n = epoll_wait(e->epfd, evs, 256, timeout_ms);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u64 & H1_TAG) {
        h1_io(e, (h1_conn *)(uintptr_t)(evs[i].data.u64 & ~H1_TAG), evs[i].events);
        continue;
      }
      int fd = evs[i].data.fd;
      if (fd == e->timerfd) {
        uint64_t ticks;
        ssize_t rd = read(e->timerfd, &ticks, sizeof ticks);
        (void)rd;
        e->timer_at = -1;
        continue;
      }
      int flags = (evs[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                  (evs[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                  (evs[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
      e->now_ns = clock_now_ns(); /* one stamp per read: the chunks in it arrived together */
      curl_multi_socket_action(e->multi, fd, flags, &running);
    }
    read_done(e);
    h1_reap(e);
  }
  return (int)e->unfinished;
}

void http_engine_cancel(http_engine *e) { end_all(e, HTTP_EOTHER, "cancelled"); }
