/* The echo server and TCP client behind faults._echo_server/_connect (tests). */
#include "fault_testnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#define ECHO_BUF (256 << 10)

typedef struct echo_conn {
  int fd;
  int events;
  size_t off, len; /* pending bytes are buf[off, len) */
  struct echo_conn *next;
  char buf[ECHO_BUF];
} echo_conn;

struct fault_echo {
  int listen_fd, epoll_fd, wake_fd, port;
  pthread_t thread;
  atomic_int stop;
  atomic_uint_least64_t connections;
  echo_conn *conns;
};

static void echo_watch(fault_echo *e, echo_conn *c) {
  int want = (c->len < ECHO_BUF ? EPOLLIN : 0) | (c->len > c->off ? EPOLLOUT : 0);
  if (want != c->events) {
    struct epoll_event ev = {.events = (uint32_t)want, .data.ptr = c};
    epoll_ctl(e->epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = want;
  }
}

/* Moves bytes for c; -1 when c has ended. */
static int echo_pump(echo_conn *c) {
  for (;;) {
    int progress = 0;
    if (c->len < ECHO_BUF) {
      ssize_t n = read(c->fd, c->buf + c->len, ECHO_BUF - c->len);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return -1;
      if (n > 0) {
        c->len += (size_t)n;
        progress = 1;
      }
    }
    if (c->len > c->off) {
      ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        return -1;
      if (n > 0) {
        c->off += (size_t)n;
        progress = 1;
      }
      if (c->off == c->len)
        c->off = c->len = 0;
    }
    if (!progress)
      return 0;
  }
}

static void *echo_main(void *arg) {
  fault_echo *e = arg;
  struct epoll_event events[32];
  while (!atomic_load(&e->stop)) {
    int n = epoll_wait(e->epoll_fd, events, 32, -1);
    for (int i = 0; i < n; i++) {
      void *tag = events[i].data.ptr;
      if (tag == &e->wake_fd)
        continue; /* stop is checked by the loop */
      if (tag == &e->listen_fd) {
        int fd;
        while ((fd = accept4(e->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
          echo_conn *c = malloc(sizeof *c);
          if (!c) {
            close(fd);
            continue;
          }
          c->fd = fd;
          c->events = EPOLLIN;
          c->off = c->len = 0;
          c->next = e->conns;
          e->conns = c;
          struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
          epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
          atomic_fetch_add(&e->connections, 1);
        }
        continue;
      }
      echo_conn *c = tag;
      if (echo_pump(c) != 0) {
        close(c->fd);
        c->fd = -1;
      } else {
        echo_watch(e, c);
      }
    }
    /* free the ended connections (only here: an event batch may name them) */
    for (echo_conn **pp = &e->conns; *pp;) {
      echo_conn *c = *pp;
      if (c->fd < 0) {
        *pp = c->next;
        free(c);
      } else {
        pp = &c->next;
      }
    }
  }
  while (e->conns) {
    echo_conn *c = e->conns;
    e->conns = c->next;
    if (c->fd >= 0)
      close(c->fd);
    free(c);
  }
  return NULL;
}

int fault_echo_start(fault_echo **out, char *why, size_t len) {
  *out = NULL;
  fault_echo *e = calloc(1, sizeof *e);
  if (!e) {
    snprintf(why, len, "out of memory");
    return -1;
  }
  e->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  e->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  e->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  if (e->listen_fd < 0 || e->epoll_fd < 0 || e->wake_fd < 0 ||
      bind(e->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(e->listen_fd, 64) != 0 ||
      getsockname(e->listen_fd, (struct sockaddr *)&a, &alen) != 0) {
    snprintf(why, len, "cannot start the echo server: %s", strerror(errno));
    close(e->listen_fd);
    close(e->epoll_fd);
    close(e->wake_fd);
    free(e);
    return -1;
  }
  e->port = ntohs(a.sin_port);
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &e->listen_fd};
  epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->listen_fd, &ev);
  ev.data.ptr = &e->wake_fd;
  epoll_ctl(e->epoll_fd, EPOLL_CTL_ADD, e->wake_fd, &ev);
  if (pthread_create(&e->thread, NULL, echo_main, e) != 0) {
    snprintf(why, len, "cannot start the echo server thread");
    close(e->listen_fd);
    close(e->epoll_fd);
    close(e->wake_fd);
    free(e);
    return -1;
  }
  *out = e;
  return 0;
}

int fault_echo_port(const fault_echo *e) { return e->port; }

uint64_t fault_echo_connections(fault_echo *e) { return atomic_load(&e->connections); }

void fault_echo_close(fault_echo *e) {
  if (!e)
    return;
  atomic_store(&e->stop, 1);
  uint64_t one = 1;
  ssize_t r = write(e->wake_fd, &one, sizeof one);
  (void)r;
  pthread_join(e->thread, NULL);
  close(e->listen_fd);
  close(e->epoll_fd);
  close(e->wake_fd);
  free(e);
}

/* poll() for `events` until the deadline; 1 ready, 0 timeout, -errno. */
static int wait_fd(int fd, short events, int64_t deadline_ns) {
  for (;;) {
    int64_t left = deadline_ns - clock_now_ns();
    if (left <= 0)
      return 0;
    struct pollfd pfd = {.fd = fd, .events = events};
    int n = poll(&pfd, 1, (int)((left + 999999) / 1000000));
    if (n > 0)
      return 1;
    if (n < 0 && errno != EINTR)
      return -errno;
  }
}

int fault_tcp_connect(int port, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -errno;
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_port = htons((uint16_t)port),
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    int err = errno;
    if (err != EINPROGRESS) {
      close(fd);
      return -err;
    }
    int r = wait_fd(fd, POLLOUT, clock_now_ns() + (int64_t)timeout_ms * 1000000);
    socklen_t len = sizeof err;
    err = 0;
    if (r <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      close(fd);
      return r == 0 ? -ETIMEDOUT : r < 0 ? r : -(err ? err : EIO);
    }
  }
  return fd;
}

int fault_tcp_send_all(int fd, const char *data, size_t len, int timeout_ms) {
  int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * 1000000;
  size_t off = 0;
  while (off < len) {
    ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += (size_t)n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return -errno;
    int r = wait_fd(fd, POLLOUT, deadline);
    if (r <= 0)
      return r == 0 ? -ETIMEDOUT : r;
  }
  return 0;
}

ssize_t fault_tcp_recv(int fd, char *buf, size_t max, int timeout_ms) {
  int64_t deadline = clock_now_ns() + (int64_t)timeout_ms * 1000000;
  for (;;) {
    ssize_t n = recv(fd, buf, max, MSG_DONTWAIT);
    if (n >= 0)
      return n;
    if (errno != EAGAIN && errno != EINTR)
      return -errno;
    int r = wait_fd(fd, POLLIN, deadline);
    if (r <= 0)
      return r == 0 ? -ETIMEDOUT : r;
  }
}
