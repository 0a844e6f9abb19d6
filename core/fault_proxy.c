/*
 * The fault proxy's thread: accept clients, connect each to the target, and
 * let fault_proxy_conn.c move the bytes; settings come from other threads
 * under a mutex, with an eventfd to wake the loop. Everything the thread
 * owns (sockets, queues) is released by the thread itself before it exits,
 * so fault_proxy_close leaves no thread and no descriptor behind.
 */
#include "clock.h"
#include "fault_proxy_internal.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* Sentinels for the two non-connection descriptors in the epoll set. */
static char listen_tag, wake_tag;

void fault_settings_default(fault_settings *s) {
  memset(s, 0, sizeof *s);
  s->directions = FAULT_UP | FAULT_DOWN;
  s->seed = 1;
}

static const char *errno_code(int err) {
  switch (err) {
  case EADDRINUSE:
    return "EADDRINUSE";
  case EADDRNOTAVAIL:
    return "EADDRNOTAVAIL";
  case EACCES:
    return "EACCES";
  case EINVAL:
    return "EINVAL";
  case EMFILE:
  case ENFILE:
    return "EMFILE";
  default:
    return "EIO";
  }
}

/* "host:port" or "[v6]:port" -> address; 0 or -1 with why. */
static int resolve(const char *what, const char *addr, int passive, struct sockaddr_storage *out,
                   socklen_t *out_len, char *why, size_t len, const char **code) {
  char host[256];
  const char *colon = strrchr(addr, ':');
  size_t hlen = colon ? (size_t)(colon - addr) : 0;
  if (!colon || hlen == 0 || hlen >= sizeof host || colon[1] == 0) {
    snprintf(why, len, "%s address '%s' is not host:port", what, addr);
    *code = "EINVAL";
    return -1;
  }
  memcpy(host, addr, hlen);
  host[hlen] = 0;
  if (host[0] == '[' && hlen > 2 && host[hlen - 1] == ']') {
    memmove(host, host + 1, hlen - 2);
    host[hlen - 2] = 0;
  }
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  struct addrinfo *res = NULL;
  int rc = getaddrinfo(host, colon + 1, &hints, &res);
  if (rc != 0 || !res) {
    snprintf(why, len, "cannot resolve %s %s: %s", what, addr, gai_strerror(rc));
    *code = "EAI";
    return -1;
  }
  memcpy(out, res->ai_addr, res->ai_addrlen);
  *out_len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static void reload_settings(fault_proxy *p, int64_t now_ns);

static void accept_clients(fault_proxy *p, int64_t now_ns) {
  for (;;) {
    int cfd = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (cfd < 0)
      return; /* EAGAIN, or a transient error: the next event retries */
    /* A client may connect after a set() that returned while this loop was
     * still busy with an earlier client: take the settings anew for each. */
    reload_settings(p, now_ns);
    atomic_fetch_add(&p->connections, 1);
    fault_conn *c = calloc(1, sizeof *c);
    int sfd = c ? socket(p->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) : -1;
    if (!c || sfd < 0) {
      free(c);
      close(cfd);
      continue;
    }
    c->fd[0] = cfd;
    c->fd[1] = sfd;
    for (int i = 0; i < 2; i++) {
      c->end[i].conn = c;
      c->end[i].side = i;
    }
    fault_bucket_init(&c->up.bucket, 0, now_ns);
    fault_bucket_init(&c->down.bucket, 0, now_ns);
    fault_conn_apply(p, c, now_ns);
    c->next = p->conns;
    p->conns = c;
    atomic_fetch_add(&p->active, 1);
    if (p->live.reset) {
      fault_conn_reset(p, c, 1);
      continue;
    }
    if (connect(sfd, (struct sockaddr *)&p->target, p->target_len) != 0) {
      if (errno != EINPROGRESS) {
        atomic_fetch_add(&p->connect_errors, 1);
        fault_conn_reset(p, c, 0);
        continue;
      }
      c->connecting = 1;
    }
    for (int i = 0; i < 2; i++) {
      struct epoll_event ev = {.events = 0, .data.ptr = &c->end[i]};
      epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, c->fd[i], &ev);
    }
    fault_conn_watch(p, c, now_ns);
  }
}

/* Takes new settings from the other threads. */
static void reload_settings(fault_proxy *p, int64_t now_ns) {
  pthread_mutex_lock(&p->mu);
  int changed = p->changed;
  fault_settings s = p->settings;
  p->changed = 0;
  pthread_mutex_unlock(&p->mu);
  if (!changed)
    return;
  if (s.seed != p->live.seed)
    fault_rng_seed(&p->rng, s.seed);
  p->live = s;
  for (fault_conn *c = p->conns; c; c = c->next) {
    if (s.reset)
      fault_conn_reset(p, c, 1);
    else
      fault_conn_apply(p, c, now_ns);
  }
}

static void free_dead(fault_proxy *p) {
  fault_conn **pp = &p->conns;
  while (*pp) {
    fault_conn *c = *pp;
    if (c->dead) {
      *pp = c->next;
      free(c);
      atomic_fetch_sub(&p->active, 1);
    } else {
      pp = &c->next;
    }
  }
}

static void *proxy_main(void *arg) {
  fault_proxy *p = arg;
  struct epoll_event events[64];
  int64_t next = INT64_MAX;
  while (!atomic_load(&p->stop)) {
    int timeout = -1;
    if (next != INT64_MAX) {
      int64_t wait = next - clock_now_ns();
      /* round up: waking a little late is harmless, early is a spin */
      timeout = wait <= 0 ? 0 : (int)((wait + 999999) / 1000000);
    }
    int n = epoll_wait(p->epoll_fd, events, 64, timeout);
    int64_t now = clock_now_ns();
    /* Settings first, whatever the order of the events: a set() that
     * returned before a client connected or sent applies to it. */
    reload_settings(p, now);
    for (int i = 0; i < n; i++) {
      void *tag = events[i].data.ptr;
      if (tag == &wake_tag) {
        uint64_t v;
        ssize_t r = read(p->wake_fd, &v, sizeof v);
        (void)r;
      } else if (tag == &listen_tag) {
        accept_clients(p, now);
      } else {
        fault_end *e = tag;
        fault_conn *c = e->conn;
        if (c->dead)
          continue;
        if (e->side == 1 && c->connecting) {
          fault_conn_connected(p, c);
        } else if (events[i].events & EPOLLERR) {
          fault_conn_reset(p, c, 0); /* the peer reset: pass it on */
        } else if (events[i].events & EPOLLOUT) {
          (e->side == 0 ? &c->down : &c->up)->blocked = 0;
        }
      }
    }
    next = INT64_MAX;
    for (fault_conn *c = p->conns; c; c = c->next) {
      int64_t t = fault_conn_pump(p, c, now);
      fault_conn_watch(p, c, now);
      if (t < next)
        next = t;
    }
    free_dead(p);
  }
  for (fault_conn *c = p->conns; c; c = c->next)
    fault_conn_close(c);
  free_dead(p);
  return NULL;
}

static int start_failed(fault_proxy *p, int err, const char *what, char *why, size_t len,
                        const char **code) {
  snprintf(why, len, "%s: %s", what, strerror(err));
  *code = errno_code(err);
  fault_proxy_close(p);
  return -1;
}

int fault_proxy_start(const char *listen_addr, const char *target, fault_proxy **out, char *why,
                      size_t len, const char **code) {
  *out = NULL;
  fault_proxy *p = calloc(1, sizeof *p);
  if (!p) {
    snprintf(why, len, "out of memory");
    *code = "ENOMEM";
    return -1;
  }
  p->listen_fd = p->epoll_fd = p->wake_fd = -1;
  pthread_mutex_init(&p->mu, NULL);
  fault_settings_default(&p->settings);
  p->live = p->settings;
  fault_rng_seed(&p->rng, p->live.seed);
  struct sockaddr_storage la;
  socklen_t la_len;
  if (resolve("target", target, 0, &p->target, &p->target_len, why, len, code) != 0 ||
      resolve("listen", listen_addr, 1, &la, &la_len, why, len, code) != 0) {
    fault_proxy_close(p);
    return -1;
  }
  char what[300];
  snprintf(what, sizeof what, "cannot listen on %s", listen_addr);
  p->listen_fd = socket(la.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (p->listen_fd < 0)
    return start_failed(p, errno, what, why, len, code);
  int one = 1;
  setsockopt(p->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(p->listen_fd, (struct sockaddr *)&la, la_len) != 0 || listen(p->listen_fd, 128) != 0)
    return start_failed(p, errno, what, why, len, code);
  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(p->listen_fd, (struct sockaddr *)&bound, &blen);
  p->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                              : ((struct sockaddr_in *)&bound)->sin_port);
  p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  p->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (p->epoll_fd < 0 || p->wake_fd < 0)
    return start_failed(p, errno, "cannot start the fault proxy", why, len, code);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &listen_tag};
  epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, p->listen_fd, &ev);
  ev.data.ptr = &wake_tag;
  epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, p->wake_fd, &ev);
  int err = pthread_create(&p->thread, NULL, proxy_main, p);
  if (err != 0)
    return start_failed(p, err, "cannot start the fault proxy thread", why, len, code);
  p->thread_started = 1;
  *out = p;
  return 0;
}

int fault_proxy_port(const fault_proxy *p) { return p->port; }

void fault_proxy_get(fault_proxy *p, fault_settings *out) {
  pthread_mutex_lock(&p->mu);
  *out = p->settings;
  pthread_mutex_unlock(&p->mu);
}

static void wake(fault_proxy *p) {
  uint64_t one = 1;
  ssize_t r = write(p->wake_fd, &one, sizeof one);
  (void)r; /* a full counter already means "wake up" */
}

void fault_proxy_set(fault_proxy *p, const fault_settings *s) {
  pthread_mutex_lock(&p->mu);
  p->settings = *s;
  p->changed = 1;
  pthread_mutex_unlock(&p->mu);
  wake(p);
}

void fault_proxy_stats_get(fault_proxy *p, fault_proxy_stats *out) {
  out->connections = atomic_load(&p->connections);
  out->active = atomic_load(&p->active);
  out->bytes_up = atomic_load(&p->bytes_up);
  out->bytes_down = atomic_load(&p->bytes_down);
  out->resets = atomic_load(&p->resets);
  out->connect_errors = atomic_load(&p->connect_errors);
}

void fault_proxy_close(fault_proxy *p) {
  if (!p)
    return;
  if (p->thread_started) {
    atomic_store(&p->stop, 1);
    wake(p);
    pthread_join(p->thread, NULL);
  }
  if (p->listen_fd >= 0)
    close(p->listen_fd);
  if (p->epoll_fd >= 0)
    close(p->epoll_fd);
  if (p->wake_fd >= 0)
    close(p->wake_fd);
  pthread_mutex_destroy(&p->mu);
  free(p);
}
