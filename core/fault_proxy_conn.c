/*
 * One proxied connection: read from a socket into a timed queue, write the
 * due bytes to the other socket as the bandwidth allows, pass EOF on, and
 * reset on faults or errors. Runs on the proxy thread only.
 */
#include "fault_proxy_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

static int blackholed(const fault_proxy *p, int64_t now_ns) {
  return p->live.blackhole_until_ns > now_ns;
}

static void drop_queue(fault_half *h) {
  while (h->head) {
    fault_chunk *next = h->head->next;
    free(h->head);
    h->head = next;
  }
  h->tail = NULL;
  h->queued = 0;
}

void fault_conn_close(fault_conn *c) {
  for (int i = 0; i < 2; i++) {
    if (c->fd[i] >= 0)
      close(c->fd[i]); /* also removes it from the epoll set */
    c->fd[i] = -1;
  }
  drop_queue(&c->up);
  drop_queue(&c->down);
  c->dead = 1;
}

void fault_conn_reset(fault_proxy *p, fault_conn *c, int count_as_fault) {
  if (c->dead)
    return;
  /* SO_LINGER with a zero timeout makes close() send RST instead of FIN,
   * which the peer sees as ECONNRESET: what a broken network shows. */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  for (int i = 0; i < 2; i++)
    if (c->fd[i] >= 0)
      setsockopt(c->fd[i], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  /* counted before the RST goes out, so that a client that sees the reset
   * and then reads the stats finds it counted */
  if (count_as_fault)
    atomic_fetch_add(&p->resets, 1);
  fault_conn_close(c);
}

void fault_conn_apply(fault_proxy *p, fault_conn *c, int64_t now_ns) {
  double rate = (double)p->live.bandwidth_bps / 8.0;
  c->up.shaped = (p->live.directions & FAULT_UP) != 0;
  c->down.shaped = (p->live.directions & FAULT_DOWN) != 0;
  fault_bucket_set_rate(&c->up.bucket, c->up.shaped ? rate : 0, now_ns);
  fault_bucket_set_rate(&c->down.bucket, c->down.shaped ? rate : 0, now_ns);
}

void fault_conn_connected(fault_proxy *p, fault_conn *c) {
  int err = 0;
  socklen_t len = sizeof err;
  if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err != 0) {
    atomic_fetch_add(&p->connect_errors, 1);
    fault_conn_reset(p, c, 0);
    return;
  }
  c->connecting = 0;
}

/* Reads what src has into h; -1 when the connection must end. */
static int read_into(fault_proxy *p, fault_conn *c, fault_half *h, int src, int64_t now_ns) {
  while (!h->eof && h->queued < FAULT_QUEUE_CAP) {
    fault_chunk *ch = malloc(sizeof *ch + FAULT_CHUNK);
    if (!ch)
      return 0; /* try again on the next event */
    ssize_t n = read(c->fd[src], ch->data, FAULT_CHUNK);
    if (n <= 0) {
      free(ch);
      if (n == 0) {
        h->eof = 1;
        return 0;
      }
      if (errno == EAGAIN || errno == EINTR)
        return 0;
      return -1; /* ECONNRESET and friends: pass the reset on */
    }
    ch->next = NULL;
    ch->len = (size_t)n;
    ch->off = 0;
    ch->release_ns = h->shaped ? fault_release_ns(&p->rng, now_ns, p->live.latency_ns,
                                                  p->live.jitter_ns, h->last_release_ns)
                               : (now_ns > h->last_release_ns ? now_ns : h->last_release_ns);
    h->last_release_ns = ch->release_ns;
    if (h->tail)
      h->tail->next = ch;
    else
      h->head = ch;
    h->tail = ch;
    h->queued += (size_t)n;
    if ((size_t)n < FAULT_CHUNK)
      return 0;
  }
  return 0;
}

/* Writes h's due bytes to dst. Returns -1 when the connection must end
 * (write error, or drop_after_bytes reached: *fault set), else the next
 * time h can make progress on its own. */
static int64_t write_from(fault_proxy *p, fault_conn *c, fault_half *h, int dst, int64_t now_ns,
                          atomic_uint_least64_t *counter, int *fault) {
  while (h->head && !h->blocked) {
    fault_chunk *ch = h->head;
    if (ch->release_ns > now_ns)
      return ch->release_ns;
    size_t want = ch->len - ch->off;
    if (p->live.drop_after_bytes > 0) {
      uint64_t limit = (uint64_t)p->live.drop_after_bytes;
      if (c->forwarded >= limit) {
        *fault = 1;
        return -1;
      }
      if (want > limit - c->forwarded)
        want = (size_t)(limit - c->forwarded);
    }
    size_t allowed = fault_bucket_take(&h->bucket, want, now_ns);
    if (allowed == 0)
      return now_ns + fault_bucket_wait_ns(&h->bucket, want, now_ns);
    ssize_t n = send(c->fd[dst], ch->data + ch->off, allowed, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      fault_bucket_refund(&h->bucket, allowed);
      if (errno == EAGAIN || errno == EINTR) {
        h->blocked = 1;
        return INT64_MAX;
      }
      return -1;
    }
    fault_bucket_refund(&h->bucket, allowed - (size_t)n);
    ch->off += (size_t)n;
    h->queued -= (size_t)n;
    c->forwarded += (uint64_t)n;
    atomic_fetch_add(counter, (uint64_t)n);
    if (ch->off == ch->len) {
      h->head = ch->next;
      if (!h->head)
        h->tail = NULL;
      free(ch);
    }
  }
  if (!h->head && h->eof && !h->shut) {
    shutdown(c->fd[dst], SHUT_WR);
    h->shut = 1;
  }
  return INT64_MAX;
}

int64_t fault_conn_pump(fault_proxy *p, fault_conn *c, int64_t now_ns) {
  if (c->dead)
    return INT64_MAX;
  int64_t next = INT64_MAX;
  if (blackholed(p, now_ns))
    return p->live.blackhole_until_ns;
  /* the server socket is read only once connected (a connecting socket
   * answers reads with ENOTCONN) */
  if (read_into(p, c, &c->up, 0, now_ns) != 0 ||
      (!c->connecting && read_into(p, c, &c->down, 1, now_ns) != 0)) {
    fault_conn_reset(p, c, 0);
    return INT64_MAX;
  }
  if (!c->connecting) {
    int fault = 0;
    int64_t t1 = write_from(p, c, &c->up, 1, now_ns, &p->bytes_up, &fault);
    int64_t t2 = t1 < 0 ? -1 : write_from(p, c, &c->down, 0, now_ns, &p->bytes_down, &fault);
    if (t1 < 0 || t2 < 0) {
      fault_conn_reset(p, c, fault);
      return INT64_MAX;
    }
    next = t1 < t2 ? t1 : t2;
    if (c->up.shut && c->down.shut) {
      fault_conn_close(c); /* both sides finished cleanly */
      return INT64_MAX;
    }
  }
  return next;
}

void fault_conn_watch(fault_proxy *p, fault_conn *c, int64_t now_ns) {
  if (c->dead)
    return;
  int hole = blackholed(p, now_ns);
  fault_half *in[2] = {&c->up, &c->down};  /* what fd[i] reads into */
  fault_half *out[2] = {&c->down, &c->up}; /* what is written to fd[i] */
  for (int i = 0; i < 2; i++) {
    int want = 0;
    if (!hole && !in[i]->eof && in[i]->queued < FAULT_QUEUE_CAP && !(i == 1 && c->connecting))
      want |= EPOLLIN;
    if ((i == 1 && c->connecting) || (out[i]->blocked && out[i]->head))
      want |= EPOLLOUT;
    /* A socket whose peer sent EOF and which we shut down reports EPOLLHUP
     * for ever, whatever the interest: it leaves the set (it stays open
     * until the connection ends). */
    int finished = in[i]->eof && out[i]->shut;
    if (finished && c->events[i] != -1) {
      epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, c->fd[i], NULL);
      c->events[i] = -1;
    }
    if (finished || want == c->events[i])
      continue;
    struct epoll_event ev = {.events = (uint32_t)want, .data.ptr = &c->end[i]};
    epoll_ctl(p->epoll_fd, EPOLL_CTL_MOD, c->fd[i], &ev);
    c->events[i] = want;
  }
}
