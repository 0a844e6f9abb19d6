#include "dummy_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "dummy_timers.h"
#include "net_rxstamp.h"

#define OUT_HIGH_WATER (256 * 1024) /* stop producing chunks while this much is unsent */
#define BURST 64                    /* chunks per turn when itl is 0, for fairness */
#define LINGER_NS 5000000000LL      /* how long a refused upload is drained before the close */

typedef struct conn {
  int fd;
  dbuf in, out;
  dbuf pending;       /* a delayed response, sent at `timer` */
  dummy_reply *reply; /* an SSE stream in progress */
  size_t timer_pos;
  int keep_alive;
  int busy;      /* a response is delayed or streaming: later requests wait */
  int stalled;   /* fault: never answer again */
  int closing;   /* close once `out` is flushed */
  int linger;    /* closing with the client maybe still sending (a refused body): after the
                    answer, half-close and drain its bytes until EOF, so that the close is
                    no RST that would destroy the answer before the client reads it */
  int draining;  /* linger started: input is read and dropped, a timer bounds it */
  int dead;      /* closed: freed after the current batch of events */
  int64_t rx_ns; /* when the kernel received the last bytes read, 0 once a request used it */
  struct conn *prev, *next;
} conn;

struct dummy_server {
  dummy_config cfg;
  char model[256], api_key[256], host[256];
  char *stage_config_json;
  dummy_ctx ctx;
  int lfd, epfd, tfd, efd;
  int port;
  dummy_timers timers;
  int64_t armed_at;
  int no_pwait2; /* the kernel lacks epoll_pwait2: the timerfd wakes us */
  conn *conns;
  conn *dead; /* closed during this batch of events; a later event may still name them */
  size_t nconns;
};

/* epoll data.ptr values for the three non-connection descriptors. */
static char TAG_LISTEN, TAG_TIMER, TAG_STOP;

static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int epoll_add(dummy_server *s, int fd, void *ptr, uint32_t ev) {
  struct epoll_event e = {.events = ev, .data.ptr = ptr};
  return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e);
}

dummy_server *dummy_server_new(const dummy_config *cfg, char *err, size_t errlen) {
  dummy_server *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  s->lfd = s->epfd = s->tfd = s->efd = -1;
  s->cfg = *cfg;
  snprintf(s->model, sizeof s->model, "%s", cfg->model ? cfg->model : "omni-dummy");
  snprintf(s->host, sizeof s->host, "%s", cfg->host ? cfg->host : "127.0.0.1");
  s->cfg.model = s->model;
  s->cfg.host = s->host;
  if (cfg->api_key) {
    snprintf(s->api_key, sizeof s->api_key, "%s", cfg->api_key);
    s->cfg.api_key = s->api_key;
  }
  if (cfg->stage_config_json) {
    s->stage_config_json = strdup(cfg->stage_config_json);
    if (!s->stage_config_json) {
      snprintf(err, errlen, "out of memory");
      free(s);
      return NULL;
    }
    s->cfg.stage_config_json = s->stage_config_json;
  }
  s->ctx.cfg = &s->cfg;
  s->ctx.started = (long long)time(NULL);
  raise_fd_limit();

  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  char port[16];
  snprintf(port, sizeof port, "%d", cfg->port);
  int gai = getaddrinfo(s->host, port, &hints, &ai);
  if (gai != 0) {
    snprintf(err, errlen, "cannot resolve host %s: %s", s->host, gai_strerror(gai));
    goto fail;
  }
  s->lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (s->lfd >= 0) {
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    /* Accepted sockets inherit it, and the kernel's stamping is switched on
     * now, not by the first client (whose first packets would go unstamped). */
    rxstamp_enable(s->lfd);
  }
  if (s->lfd < 0 || bind(s->lfd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(s->lfd, 4096) != 0) {
    int e = errno;
    snprintf(err, errlen, "cannot listen on %s port %d: %s%s", s->host, cfg->port, strerror(e),
             e == EADDRINUSE ? " (the port is taken)" : "");
    freeaddrinfo(ai);
    goto fail;
  }
  freeaddrinfo(ai);
  struct sockaddr_storage sa;
  socklen_t sl = sizeof sa;
  getsockname(s->lfd, (struct sockaddr *)&sa, &sl);
  s->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                           : ((struct sockaddr_in *)&sa)->sin_port);
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->epfd < 0 || s->tfd < 0 || s->efd < 0 || epoll_add(s, s->lfd, &TAG_LISTEN, EPOLLIN) ||
      epoll_add(s, s->tfd, &TAG_TIMER, EPOLLIN) || epoll_add(s, s->efd, &TAG_STOP, EPOLLIN)) {
    snprintf(err, errlen, "cannot set up epoll: %s", strerror(errno));
    goto fail;
  }
  return s;
fail:
  dummy_server_free(s);
  return NULL;
}

int dummy_server_port(const dummy_server *s) { return s->port; }
size_t dummy_server_requests(const dummy_server *s) { return (size_t)s->ctx.requests; }
size_t dummy_server_open_connections(const dummy_server *s) { return s->nconns; }

void dummy_server_stop(dummy_server *s) {
  uint64_t one = 1;
  ssize_t w = write(s->efd, &one, sizeof one); /* async-signal-safe */
  (void)w;
}

static void conn_close(dummy_server *s, conn *c) {
  if (c->dead)
    return;
  c->dead = 1;
  dummy_timers_remove(&s->timers, &c->timer_pos);
  close(c->fd); /* also removes it from epoll */
  if (c->reply) {
    dummy_reply_free(c->reply);
    free(c->reply);
  }
  dbuf_free(&c->in);
  dbuf_free(&c->out);
  dbuf_free(&c->pending);
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  s->nconns--;
  c->next = s->dead;
  s->dead = c;
}

static void bury(dummy_server *s) {
  while (s->dead) {
    conn *c = s->dead;
    s->dead = c->next;
    free(c);
  }
}

void dummy_server_free(dummy_server *s) {
  if (!s)
    return;
  while (s->conns)
    conn_close(s, s->conns);
  bury(s);
  if (s->lfd >= 0)
    close(s->lfd);
  if (s->epfd >= 0)
    close(s->epfd);
  if (s->tfd >= 0)
    close(s->tfd);
  if (s->efd >= 0)
    close(s->efd);
  dummy_timers_free(&s->timers);
  free(s->stage_config_json);
  free(s);
}

static void start_drain(dummy_server *s, conn *c);

/* Writes what it can; returns -1 if the connection is dead. */
static int flush(dummy_server *s, conn *c) {
  while (c->out.len > 0) {
    ssize_t n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
    if (n > 0) {
      dbuf_consume(&c->out, (size_t)n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return 0;
    if (n < 0 && errno == EINTR)
      continue;
    return -1;
  }
  if (!c->closing)
    return 0;
  if (!c->linger)
    return -1; /* everything sent: a closing connection is done */
  if (!c->draining)
    start_drain(s, c);
  return 0;
}

static void start_drain(dummy_server *s, conn *c) {
  c->draining = 1;
  shutdown(c->fd, SHUT_WR); /* the client sees the end of the answer */
  dummy_timers_set(&s->timers, c, &c->timer_pos, clock_now_ns() + LINGER_NS);
}

/* Frames SSE bytes as one HTTP chunk. */
static void add_chunk(conn *c, const dbuf *ev) {
  if (ev->len == 0)
    return;
  dbuf_printf(&c->out, "%zx\r\n", ev->len);
  dbuf_add(&c->out, ev->p, ev->len);
  dbuf_add(&c->out, "\r\n", 2);
}

static void end_response(conn *c) {
  c->busy = 0;
  c->rx_ns = 0; /* a request read while this one was answered starts its clock now */
  if (!c->keep_alive)
    c->closing = 1;
}

/* Produces the stream's due chunks (a drop fault marks the connection
 * closing). Returns 0; kept an int for the callers' error paths. */
static int pump_stream(dummy_server *s, conn *c, int64_t now) {
  dbuf ev = {0};
  for (int burst = 0; c->reply && burst < BURST && c->out.len < OUT_HIGH_WATER; burst++) {
    int64_t at = dummy_reply_next_at(c->reply);
    if (at > now) {
      dummy_timers_set(&s->timers, c, &c->timer_pos, at);
      break;
    }
    ev.len = 0;
    dummy_step st = dummy_reply_step(c->reply, &ev);
    add_chunk(c, &ev);
    if (st == DSTEP_MORE)
      continue;
    dummy_reply_free(c->reply);
    free(c->reply);
    c->reply = NULL;
    if (st == DSTEP_DONE) {
      dbuf_add(&c->out, "0\r\n\r\n", 5);
      end_response(c);
    } else if (st == DSTEP_STALL) {
      c->stalled = 1;
    } else {
      /* drop: the chunks before go out first (flush closes a closing
       * connection once its output is sent); no terminating chunk, so the
       * client sees a cut body after exactly N chunks. */
      c->busy = 0;
      c->closing = 1;
    }
  }
  dbuf_free(&ev);
  return 0;
}

static int process_requests(dummy_server *s, conn *c);

/* Work for one connection after I/O or a timer: returns -1 to close it. */
static int service(dummy_server *s, conn *c, int64_t now) {
  if (c->reply && c->timer_pos == SIZE_MAX && pump_stream(s, c, now) != 0)
    return -1;
  if (!c->busy && !c->stalled && !c->closing && c->in.len > 0 && process_requests(s, c) != 0)
    return -1;
  if (flush(s, c) != 0) /* edge-triggered: what is not sent now waits for EPOLLOUT */
    return -1;
  /* Everything went out and chunks are still due (a burst ended): go on at
   * the next turn, after the other connections. If the socket is full
   * instead, EPOLLOUT brings us back. */
  if (c->reply && c->timer_pos == SIZE_MAX && c->out.len < OUT_HIGH_WATER)
    dummy_timers_set(&s->timers, c, &c->timer_pos, now + 1);
  return 0;
}

static int process_requests(dummy_server *s, conn *c) {
  while (!c->busy && !c->stalled && !c->closing && c->in.len > 0) {
    dummy_request rq;
    dummy_req_status st = dummy_http_parse(c->in.p, c->in.len, s->cfg.max_body, &rq);
    if (st == DREQ_INCOMPLETE)
      break;
    if (st != DREQ_OK) {
      int code = st == DREQ_TOO_LARGE ? 413 : st == DREQ_CHUNKED ? 411 : 400;
      const char *msg = st == DREQ_TOO_LARGE ? "request head or body too large"
                        : st == DREQ_CHUNKED ? "chunked request bodies are not supported: send "
                                               "Content-Length"
                                             : "malformed HTTP request";
      dummy_error_response(&c->out, code, msg, 0);
      c->closing = 1;
      c->linger = 1; /* the rest of the refused request may still be on its way */
      c->in.len = 0;
      break;
    }
    dbuf resp = {0};
    dummy_outcome oc;
    dummy_route(&s->ctx, &rq, &resp, &oc);
    dbuf_consume(&c->in, rq.total_len);
    c->keep_alive = oc.keep_alive;
    int64_t now = clock_now_ns();
    /* A request's latency profile counts from its arrival, as the client's
     * does from its send: our own wake-up and parse are not the model's.
     * Only the first request of a read gets the stamp; a pipelined one
     * waited its turn and starts now. */
    int64_t arrived = c->rx_ns > 0 && c->rx_ns <= now ? c->rx_ns : now;
    c->rx_ns = 0;
    switch (oc.action) {
    case DACT_RESPOND:
      dbuf_add(&c->out, resp.p, resp.len);
      end_response(c);
      break;
    case DACT_DELAY:
      if (arrived + oc.delay_ns <= now) {
        dbuf_add(&c->out, resp.p, resp.len);
        end_response(c);
      } else {
        c->pending = resp;
        memset(&resp, 0, sizeof resp);
        c->busy = 1;
        dummy_timers_set(&s->timers, c, &c->timer_pos, arrived + oc.delay_ns);
      }
      break;
    case DACT_STREAM:
      dbuf_add(&c->out, resp.p, resp.len);
      c->busy = 1;
      c->reply = oc.reply;
      c->reply->t0_ns = c->reply->last_at_ns = arrived;
      if (pump_stream(s, c, now) != 0) {
        dbuf_free(&resp);
        return -1;
      }
      break;
    case DACT_STALL:
      c->stalled = 1;
      break;
    case DACT_DROP:
      dbuf_free(&resp);
      return -1;
    }
    dbuf_free(&resp);
    if (flush(s, c) != 0)
      return -1;
  }
  if (c->in.failed || c->out.failed)
    return -1;
  return 0;
}

/* A closing connection's input is of no use: it is read and dropped (a
 * draining one is closed at EOF). */
static int discard_input(dummy_server *s, conn *c) {
  char sink[65536];
  for (;;) {
    ssize_t n = recv(c->fd, sink, sizeof sink, 0);
    if (n > 0)
      continue;
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return 0;
    conn_close(s, c); /* EOF or error: the client is gone */
    return -1;
  }
}

static void on_readable(dummy_server *s, conn *c) {
  size_t cap = DUMMY_MAX_HEAD + s->cfg.max_body;
  for (;;) {
    if (c->closing) {
      if (discard_input(s, c) != 0)
        return;
      break;
    }
    if (dbuf_reserve(&c->in, 65536) != 0) {
      conn_close(s, c);
      return;
    }
    int64_t at;
    ssize_t n = rxstamp_recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, &at);
    if (n > 0) {
      c->rx_ns = at;
      c->in.len += (size_t)n;
      if (c->in.len > cap) {
        /* More than one request may hold: answer what is there (a too
         * large body is refused from its head), then drop the rest. */
        if (service(s, c, clock_now_ns()) != 0) {
          conn_close(s, c);
          return;
        }
        if (!c->closing && c->in.len > cap) { /* pipelined past any sane amount */
          conn_close(s, c);
          return;
        }
      }
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      break;
    conn_close(s, c); /* EOF or error: the client is gone */
    return;
  }
  if (service(s, c, clock_now_ns()) != 0)
    conn_close(s, c);
}

static void on_accept(dummy_server *s) {
  for (;;) {
    int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
      return; /* EAGAIN, or EMFILE: the client will see a refusal or a wait */
    if ((int)s->nconns >= s->cfg.max_conns) {
      close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* stamping: inherited */
    conn *c = calloc(1, sizeof *c);
    if (!c) {
      close(fd);
      continue;
    }
    c->fd = fd;
    c->timer_pos = SIZE_MAX;
    c->keep_alive = 1;
    if (epoll_add(s, fd, c, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET) != 0) {
      close(fd);
      free(c);
      continue;
    }
    c->next = s->conns;
    if (s->conns)
      s->conns->prev = c;
    s->conns = c;
    s->nconns++;
  }
}

/* Services the connections whose timers are due. One reading of the clock
 * for the pass: a connection that re-arms at once (a burst that yields) goes
 * on at the next turn, after the other connections' events. */
static void run_timers(dummy_server *s) {
  int64_t now = clock_now_ns();
  const dummy_timer *t;
  while ((t = dummy_timers_peek(&s->timers)) != NULL && t->at <= now) {
    conn *c = dummy_timers_pop(&s->timers);
    if (c->draining) { /* the client did not finish or close in time */
      conn_close(s, c);
      continue;
    }
    if (c->pending.len > 0) { /* a delayed response is due */
      dbuf_add(&c->out, c->pending.p, c->pending.len);
      dbuf_free(&c->pending);
      end_response(c);
    }
    if (service(s, c, now) != 0)
      conn_close(s, c);
  }
}

/* Fallback for kernels before 5.11 (no epoll_pwait2): a timerfd armed for
 * the earliest timer, one more syscall whenever that changes. */
static void arm(dummy_server *s) {
  const dummy_timer *t = dummy_timers_peek(&s->timers);
  if (!t || t->at == s->armed_at)
    return;
  struct itimerspec its = {0};
  int64_t at = t->at > 0 ? t->at : 1;
  its.it_value.tv_sec = at / 1000000000;
  its.it_value.tv_nsec = at % 1000000000;
  timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
  s->armed_at = t->at;
}

/* Waits for events or the earliest timer. epoll_pwait2 takes the timeout in
 * nanoseconds, so no timerfd has to be re-armed for each new earliest timer:
 * at 256 streams that was a sixth of the server's time. */
static int wait_events(dummy_server *s, struct epoll_event *evs, int max) {
  if (!s->no_pwait2) {
    const dummy_timer *t = dummy_timers_peek(&s->timers);
    struct timespec ts, *tp = NULL;
    if (t) {
      int64_t left = t->at - clock_now_ns();
      if (left < 0)
        left = 0;
      ts.tv_sec = left / 1000000000;
      ts.tv_nsec = left % 1000000000;
      tp = &ts;
    }
    int n = epoll_pwait2(s->epfd, evs, max, tp, NULL);
    if (n >= 0 || errno != ENOSYS)
      return n;
    s->no_pwait2 = 1;
  }
  arm(s);
  return epoll_wait(s->epfd, evs, max, -1);
}

void dummy_server_use_timerfd(dummy_server *s) { s->no_pwait2 = 1; }

int dummy_server_run(dummy_server *s) {
  struct epoll_event evs[256];
  /* Timers of this thread fire when due, not up to the default 50 us later:
   * the latency profile is what the benchmarks measure against. */
  prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
  for (;;) {
    int n = wait_events(s, evs, 256);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    for (int i = 0; i < n; i++) {
      void *p = evs[i].data.ptr;
      if (p == &TAG_STOP) {
        bury(s);
        return 0;
      }
      if (p == &TAG_LISTEN) {
        on_accept(s);
      } else if (p == &TAG_TIMER) {
        uint64_t ticks;
        ssize_t r = read(s->tfd, &ticks, sizeof ticks);
        (void)r;
        s->armed_at = 0;
      } else {
        conn *c = p;
        if (c->dead)
          continue;
        if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
          on_readable(s, c); /* reads to EOF, then services; may free c */
        else if (service(s, c, clock_now_ns()) != 0)
          conn_close(s, c);
      }
    }
    run_timers(s);
    bury(s);
  }
}
