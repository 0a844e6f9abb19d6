/*
 * The native HTTP/1.1 transport of the engine, for plain http:// to an IPv4
 * address: what a streaming benchmark client spends its time on. libcurl costs
 * ~100 us of CPU per transfer (17 syscalls, handle setup) and one write
 * callback per HTTP chunk; here a new stream is socket, connect, sendmsg,
 * epoll_ctl, recv..., close, and each socket read is decoded (chunked framing
 * removed in place) and fed to the SSE parser in one pass.
 *
 * Results and error codes are the same as curl's path (http_transfer.c):
 * refused/reset before an answer are retriable connection errors, a cut body
 * is TRUNCATED, a bad answer EPROTO. A kept-alive connection that turns out
 * closed when reused is replaced once, silently, as curl does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "clock.h"
#include "http_chunked.h"
#include "http_internal.h"
#include "net_rxstamp.h"

#define RBUF_SIZE (256 * 1024)
#define MAX_HEAD (256 * 1024)    /* a response head larger than this is not HTTP we want */
#define NODELAY_FROM (16 * 1024) /* requests this big may be sent in pieces: no Nagle */

enum { C_SENDING, C_HEAD, C_BODY, C_IDLE };
enum { F_NONE, F_LENGTH, F_CHUNKED, F_CLOSE };

struct h1_conn {
  int fd;
  struct sockaddr_in addr;
  http_req *r; /* NULL while idle in the pool */
  h1_conn *next;
  int state;
  uint32_t watching; /* epoll events registered; 0: not registered */
  int connected;     /* a byte went out: the TCP connection is up */
  int reused;        /* taken from the pool: may have been closed by the server */
  int got_bytes;     /* some of the answer arrived */
  int unsent;        /* the server answered before the whole request went out */
  size_t sent;
  char *head; /* a response head split across reads */
  size_t head_len, head_cap;
  int framing;
  uint64_t left; /* F_LENGTH: body bytes still to come */
  http_chunked ch;
  int keep_alive;
};

/* ---- preparing a request ---- */

static int lower_prefix(const char *s, const char *prefix) {
  return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Parses http://IPV4[:port]/path; 0 if the URL is not for this path. */
static int parse_url(const char *url, struct sockaddr_in *sa, const char **host, size_t *hostlen,
                     const char **path) {
  if (!lower_prefix(url, "http://"))
    return 0;
  for (const unsigned char *p = (const unsigned char *)url; *p; p++)
    if (*p <= 0x20 || *p >= 0x7f)
      return 0; /* curl's rules for odd URLs apply */
  const char *h = url + 7;
  size_t n = strcspn(h, "/?#");
  if (n == 0 || memchr(h, '@', n) || h[0] == '[')
    return 0;
  const char *colon = memchr(h, ':', n);
  size_t hn = colon ? (size_t)(colon - h) : n;
  long port = 80;
  if (colon) {
    char *end;
    port = strtol(colon + 1, &end, 10);
    if (end != h + n || end == colon + 1 || port < 1 || port > 65535)
      return 0;
  }
  char name[64];
  if (hn == 0 || hn >= sizeof name)
    return 0;
  memcpy(name, h, hn);
  name[hn] = '\0';
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  sa->sin_port = htons((uint16_t)port);
  if (strcasecmp(name, "localhost") == 0)
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  else if (inet_pton(AF_INET, name, &sa->sin_addr) != 1)
    return 0; /* a host name: curl resolves it */
  *host = h;
  *hostlen = n;
  *path = h + n;
  return 1;
}

typedef struct {
  char *p;
  size_t len, cap;
  int failed;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n) {
  if (b->failed || grow_array(&b->p, &b->cap, b->len + n + 1, 1) != 0) {
    b->failed = 1;
    return;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}
static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

/* Whether one of the caller's header lines sets `name` (case-insensitive). */
static int has_header(const http_req_opts *o, const char *name) {
  size_t n = strlen(name);
  for (int i = 0; i < o->nheaders; i++)
    if (strncasecmp(o->headers[i], name, n) == 0 &&
        (o->headers[i][n] == ':' || o->headers[i][n] == ';'))
      return 1;
  return 0;
}

int h1_prepare(http_req *r, const http_req_opts *o) {
  const char *host, *path;
  size_t hostlen;
  if (o->use_curl || !parse_url(r->url, &r->h1_addr, &host, &hostlen, &path))
    return 0;
  sbuf b = {0};
  sb_str(&b, r->method);
  sb_str(&b, " ");
  if (*path != '/')
    sb_str(&b, "/");
  sb_add(&b, path, strcspn(path, "#"));
  sb_str(&b, " HTTP/1.1\r\n");
  if (!has_header(o, "host")) {
    sb_str(&b, "Host: ");
    size_t hn = hostlen;
    if (hn > 3 && memcmp(host + hn - 3, ":80", 3) == 0)
      hn -= 3; /* as curl: the default port is not named */
    sb_add(&b, host, hn);
    sb_str(&b, "\r\n");
  }
  if (!has_header(o, "accept"))
    sb_str(&b, "Accept: */*\r\n");
  /* curl's header rules: "Name:" with no value removes a header, "Name;" sends
   * it empty. */
  for (int i = 0; i < o->nheaders; i++) {
    const char *h = o->headers[i];
    size_t n = strlen(h), name = strcspn(h, ":;");
    if (name == n)
      continue;
    if (h[name] == ':') {
      const char *v = h + name + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      if (!*v)
        continue;
      sb_add(&b, h, n);
    } else {
      sb_add(&b, h, name);
      sb_str(&b, ":");
    }
    sb_str(&b, "\r\n");
  }
  if (r->bearer_hdr) {
    sb_str(&b, r->bearer_hdr);
    sb_str(&b, "\r\n");
  }
  if (r->body) {
    if (!has_header(o, "content-length")) {
      char cl[48];
      snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", r->body_len);
      sb_str(&b, cl);
    }
    if (!has_header(o, "content-type")) /* what curl sends for a POSTFIELDS body */
      sb_str(&b, "Content-Type: application/x-www-form-urlencoded\r\n");
  }
  sb_str(&b, "\r\n");
  if (b.failed) {
    free(b.p);
    return -1;
  }
  r->h1_head = b.p;
  r->h1_head_len = b.len;
  return 1;
}

/* ---- connections ---- */

static void watch(http_engine *e, h1_conn *c, uint32_t events) {
  if (c->watching == events)
    return;
  struct epoll_event ev = {.events = events, .data.u64 = (uint64_t)(uintptr_t)c | H1_TAG};
  epoll_ctl(e->epfd, c->watching ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev);
  c->watching = events;
}

/* Closes the socket now; the struct is freed after this wake-up (an event
 * of the same epoll batch may still point at it). */
static void conn_close(http_engine *e, h1_conn *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->r = NULL;
  c->next = e->dead;
  e->dead = c;
}

void h1_reap(http_engine *e) {
  while (e->dead) {
    h1_conn *c = e->dead;
    e->dead = c->next;
    free(c->head);
    free(c);
  }
}

void h1_free_all(http_engine *e) {
  while (e->idle) {
    h1_conn *c = e->idle;
    e->idle = c->next;
    conn_close(e, c);
  }
  h1_reap(e);
  free(e->rbuf);
  e->rbuf = NULL;
}

static h1_conn *take_idle(http_engine *e, const struct sockaddr_in *sa) {
  for (h1_conn **pp = &e->idle; *pp; pp = &(*pp)->next) {
    h1_conn *c = *pp;
    if (c->addr.sin_addr.s_addr == sa->sin_addr.s_addr && c->addr.sin_port == sa->sin_port) {
      *pp = c->next;
      e->nidle--;
      c->reused = 1;
      return c;
    }
  }
  return NULL;
}

/* The attempt ended on this connection: keep it for the next request to the
 * same address when the answer was complete and the server allows it. */
static void release(http_engine *e, h1_conn *c, int reusable) {
  http_req *r = c->r;
  if (r)
    r->conn = NULL;
  size_t keep = e->concurrency < 16 ? 16 : (size_t)e->concurrency;
  if (!reusable || !c->keep_alive || c->unsent || e->nidle >= keep) {
    conn_close(e, c);
    return;
  }
  c->r = NULL;
  c->state = C_IDLE;
  c->head_len = 0;
  watch(e, c, EPOLLIN); /* a close by the server shows up as readable */
  c->next = e->idle;
  e->idle = c;
  e->nidle++;
}

static void end_ok(http_engine *e, h1_conn *c) {
  http_req *r = c->r;
  release(e, c, 1);
  http_attempt_end(e, r, HTTP_OK, "");
}

static void end_err(http_engine *e, h1_conn *c, http_err err, const char *fmt, const char *arg) {
  http_req *r = c->r;
  char msg[200];
  snprintf(msg, sizeof msg, fmt, arg);
  release(e, c, 0);
  http_attempt_end(e, r, err, msg);
}

static void send_request(http_engine *e, h1_conn *c);

/* Opens a new connection for r and sends its request. */
static void connect_and_send(http_engine *e, http_req *r) {
  h1_conn *c = calloc(1, sizeof *c);
  if (!c) {
    http_attempt_end(e, r, HTTP_ENOMEM, "out of memory");
    return;
  }
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  c->addr = r->h1_addr;
  c->r = r;
  c->keep_alive = 1;
  r->conn = c;
  if (c->fd < 0) {
    end_err(e, c, HTTP_EOTHER, "cannot create a socket: %s", strerror(errno));
    return;
  }
  rxstamp_enable(c->fd); /* chunk times are the kernel's, not our wake-up's */
  if (r->h1_head_len + r->body_len >= NODELAY_FROM) {
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  if (connect(c->fd, (struct sockaddr *)&c->addr, sizeof c->addr) != 0 && errno != EINPROGRESS) {
    end_err(e, c, HTTP_ECONNREFUSED, "cannot connect: %s", strerror(errno));
    return;
  }
  /* On loopback the handshake is usually done already: send at once, and
   * wait for writability only if the kernel says so. */
  send_request(e, c);
}

void h1_begin(http_engine *e, http_req *r) {
  h1_conn *c = take_idle(e, &r->h1_addr);
  if (!c) {
    connect_and_send(e, r);
    return;
  }
  c->r = r;
  r->conn = c;
  send_request(e, c);
}

/* The server closed a reused connection before answering: it had timed out
 * the idle connection. Try once more on a new one, as curl does. */
static int retry_fresh(http_engine *e, h1_conn *c) {
  if (!c->reused || c->got_bytes)
    return 0;
  http_req *r = c->r;
  release(e, c, 0);
  connect_and_send(e, r);
  return 1;
}

static void prepare_answer(h1_conn *c) {
  c->state = C_HEAD;
  c->got_bytes = 0;
  c->head_len = 0;
  c->keep_alive = 1;
}

static void send_request(http_engine *e, h1_conn *c) {
  http_req *r = c->r;
  size_t total = r->h1_head_len + r->body_len;
  if (c->state != C_SENDING || c->sent == 0) {
    c->state = C_SENDING;
    c->sent = 0;
  }
  while (c->sent < total) {
    struct iovec iov[2];
    int n = 0;
    if (c->sent < r->h1_head_len)
      iov[n++] = (struct iovec){r->h1_head + c->sent, r->h1_head_len - c->sent};
    if (r->body_len) {
      size_t off = c->sent > r->h1_head_len ? c->sent - r->h1_head_len : 0;
      iov[n++] = (struct iovec){r->body + off, r->body_len - off};
    }
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
    ssize_t k = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (k > 0) {
      c->sent += (size_t)k;
      c->connected = 1;
      continue;
    }
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      watch(e, c, EPOLLIN | EPOLLOUT);
      return;
    }
    int err = k < 0 ? errno : EPIPE;
    if (retry_fresh(e, c))
      return;
    if (!c->connected)
      end_err(e, c, HTTP_ECONNREFUSED, "cannot connect: %s", strerror(err));
    else
      end_err(e, c, HTTP_ECONNRESET, "connection reset: %s", strerror(err));
    return;
  }
  prepare_answer(c);
  watch(e, c, EPOLLIN);
}

/* ---- reading the answer ---- */

/* Offset just past the blank line that ends a head, or 0. */
static size_t head_end(const char *p, size_t n) {
  for (const char *s = p; (s = memchr(s, '\n', (size_t)(p + n - s))) != NULL; s++) {
    const char *t = s + 1;
    if (t < p + n && *t == '\n')
      return (size_t)(t + 1 - p);
    if (t + 1 < p + n && t[0] == '\r' && t[1] == '\n')
      return (size_t)(t + 2 - p);
  }
  return 0;
}

/* Value of a header line "Name: value" if the name matches, trimmed. */
static const char *header_value(const char *line, size_t n, const char *name, size_t *vlen) {
  size_t k = strlen(name);
  if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
    return NULL;
  const char *v = line + k + 1, *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    end--;
  *vlen = (size_t)(end - v);
  return v;
}

static int token_in(const char *v, size_t n, const char *tok) {
  size_t k = strlen(tok);
  for (size_t i = 0; i + k <= n; i++)
    if (strncasecmp(v + i, tok, k) == 0 && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
        (i + k == n || v[i + k] == ',' || v[i + k] == ' '))
      return 1;
  return 0;
}

/* Reads a complete head. Returns 1 for a final answer, 0 for an interim one
 * (1xx: skip it), -1 for something that is not an HTTP/1.x answer. */
static int parse_head(h1_conn *c, const char *h, size_t n) {
  http_req *r = c->r;
  if (n < 12 || memcmp(h, "HTTP/1.", 7) != 0 || h[8] != ' ' || h[9] < '1' || h[9] > '5' ||
      h[10] < '0' || h[10] > '9' || h[11] < '0' || h[11] > '9')
    return -1;
  int status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
  if (status >= 100 && status < 200) {
    if (status == 101)
      return -1; /* no protocol switches here */
    return 0;
  }
  c->keep_alive = h[7] != '0'; /* HTTP/1.0: close unless asked otherwise */
  int chunked = 0, has_length = 0;
  uint64_t length = 0;
  for (const char *s = (const char *)memchr(h, '\n', n) + 1; s < h + n;) {
    const char *eol = memchr(s, '\n', (size_t)(h + n - s));
    size_t len = (size_t)(eol - s), vl;
    const char *v;
    if ((v = header_value(s, len, "content-length", &vl)) != NULL) {
      uint64_t x = 0;
      if (vl == 0 || vl > 18)
        return -1;
      for (size_t i = 0; i < vl; i++) {
        if (v[i] < '0' || v[i] > '9')
          return -1;
        x = x * 10 + (uint64_t)(v[i] - '0');
      }
      if (has_length && x != length)
        return -1;
      has_length = 1;
      length = x;
    } else if ((v = header_value(s, len, "transfer-encoding", &vl)) != NULL) {
      chunked = token_in(v, vl, "chunked");
      if (!chunked)
        c->keep_alive = 0; /* another coding: the body ends with the connection */
    } else if ((v = header_value(s, len, "connection", &vl)) != NULL) {
      if (token_in(v, vl, "close"))
        c->keep_alive = 0;
      else if (token_in(v, vl, "keep-alive"))
        c->keep_alive = 1;
    }
    s = eol + 1;
  }
  r->res.headers_len = 0;
  if (grow_array(&r->res.headers, &r->headers_cap, n + 1, 1) == 0) {
    memcpy(r->res.headers, h, n);
    r->res.headers[n] = '\0';
    r->res.headers_len = n;
  }
  http_got_status(r, status);
  if (strcmp(r->method, "HEAD") == 0 || status == 204 || status == 304)
    c->framing = F_NONE;
  else if (chunked)
    c->framing = F_CHUNKED, http_chunked_init(&c->ch);
  else if (has_length)
    c->framing = length ? F_LENGTH : F_NONE, c->left = length;
  else
    c->framing = F_CLOSE, c->keep_alive = 0;
  return 1;
}

/* Body bytes p[0..n), decoded in place. Returns 1 when the attempt ended
 * (finished or failed), else 0. */
static int on_body(http_engine *e, h1_conn *c, char *p, size_t n, int64_t now) {
  http_req *r = c->r;
  size_t out = n;
  int done = 0;
  if (c->framing == F_CHUNKED) {
    long used = http_chunked_decode(&c->ch, p, n, &out);
    if (used < 0) {
      end_err(e, c, HTTP_EPROTO, "protocol: %s", c->ch.error);
      return 1;
    }
    done = http_chunked_done(&c->ch);
    if (done && (size_t)used < n)
      c->keep_alive = 0; /* bytes after the end: do not trust the connection */
  } else if (c->framing == F_LENGTH) {
    if (out > c->left) {
      out = (size_t)c->left;
      c->keep_alive = 0;
    }
    c->left -= out;
    done = c->left == 0;
  }
  if (out > 0 && http_body(r, p, out, now) != 0) {
    end_err(e, c, r->own_err, "%s", r->own_msg);
    return 1;
  }
  if (done) {
    end_ok(e, c);
    return 1;
  }
  return 0;
}

/* Bytes of the answer p[0..n). Returns 1 when the attempt ended. */
static int on_bytes(http_engine *e, h1_conn *c, char *p, size_t n, int64_t now) {
  http_req *r = c->r;
  r->last_rx_ns = now;
  if (!c->got_bytes) {
    c->got_bytes = 1;
    if (r->res.t_first_byte_ns == 0)
      r->res.t_first_byte_ns = now;
  }
  while (c->state == C_HEAD) {
    size_t end;
    char *h = p;
    if (c->head_len == 0 && (end = head_end(p, n)) > 0) {
      p += end; /* the whole head is in this read: no copy */
      n -= end;
    } else {
      size_t from = c->head_len > 3 ? c->head_len - 3 : 0;
      if (c->head_len + n > MAX_HEAD) {
        end_err(e, c, HTTP_EPROTO, "protocol: response head larger than %s", "256 KiB");
        return 1;
      }
      if (grow_array(&c->head, &c->head_cap, c->head_len + n, 1) != 0) {
        end_err(e, c, HTTP_ENOMEM, "%s", "out of memory");
        return 1;
      }
      memcpy(c->head + c->head_len, p, n);
      c->head_len += n;
      end = head_end(c->head + from, c->head_len - from);
      if (end == 0)
        return 0;
      end += from;
      h = c->head;
      /* The bytes after the head move to the front of the read buffer (they
       * fit: they came in this read). */
      n = c->head_len - end;
      memmove(e->rbuf, c->head + end, n);
      p = e->rbuf;
      c->head_len = 0;
    }
    int kind = parse_head(c, h, end);
    if (kind < 0) {
      end_err(e, c, HTTP_EPROTO, "protocol: %s", "the answer is not HTTP/1.x");
      return 1;
    }
    if (kind == 1) {
      c->state = C_BODY;
      if (c->framing == F_NONE) {
        if (n > 0)
          c->keep_alive = 0;
        end_ok(e, c);
        return 1;
      }
    }
  }
  return n > 0 ? on_body(e, c, p, n, now) : 0;
}

/* The server closed its side. */
static void on_eof(http_engine *e, h1_conn *c, int err) {
  if (retry_fresh(e, c))
    return;
  if (c->state == C_BODY) {
    if (c->framing == F_CLOSE && err == 0)
      end_ok(e, c);
    else if (err)
      end_err(e, c, HTTP_TRUNCATED, "truncated: %s", strerror(err));
    else
      end_err(e, c, HTTP_TRUNCATED, "%s",
              "truncated: the connection closed before the end of the body");
  } else if (err) {
    end_err(e, c, HTTP_ECONNRESET, "connection reset: %s", strerror(err));
  } else if (!c->got_bytes) {
    end_err(e, c, HTTP_ECONNRESET, "%s", "the server closed the connection without answering");
  } else {
    end_err(e, c, HTTP_ECONNRESET, "%s", "the server closed the connection inside the answer head");
  }
}

void h1_io(http_engine *e, h1_conn *c, uint32_t events) {
  if (c->fd < 0)
    return;                 /* closed earlier in this wake-up */
  if (c->state == C_IDLE) { /* an idle connection: closed by the server, or garbage */
    for (h1_conn **pp = &e->idle; *pp; pp = &(*pp)->next)
      if (*pp == c) {
        *pp = c->next;
        e->nidle--;
        break;
      }
    conn_close(e, c);
    return;
  }
  if (c->state == C_SENDING) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
      send_request(e, c);
      return;
    }
    /* Readable but not writable: the server answers (413, 400...) without
     * reading the rest. Read the answer; the connection is not reused. */
    prepare_answer(c);
    c->unsent = 1;
    watch(e, c, EPOLLIN);
  }
  if (!e->rbuf && !(e->rbuf = malloc(RBUF_SIZE))) {
    end_err(e, c, HTTP_ENOMEM, "%s", "out of memory");
    return;
  }
  /* Level-triggered: one read per wake-up unless it filled the buffer, so
   * every stream gets its turn. */
  for (int round = 0; round < 4; round++) {
    int64_t now; /* when the kernel got the bytes: the chunks in one read share it */
    ssize_t n = rxstamp_recv(c->fd, e->rbuf, RBUF_SIZE, &now);
    if (n > 0) {
      if (c->r && now < c->r->res.t_start_ns)
        now = c->r->res.t_start_ns; /* bytes that came before the request (a reused
                                       connection's stray answer) count from its start */
      if (on_bytes(e, c, e->rbuf, (size_t)n, now))
        return;
      if ((size_t)n < RBUF_SIZE)
        return;
      continue;
    }
    if (n == 0) {
      on_eof(e, c, 0);
      return;
    }
    if (errno == EINTR)
      continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK)
      on_eof(e, c, errno);
    return;
  }
}

int h1_check_timeouts(http_engine *e, http_req *r, int64_t now, int64_t *wake) {
  h1_conn *c = r->conn;
  if (!c)
    return 0;
  int64_t ct = r->o.connect_timeout_ms > 0 ? r->o.connect_timeout_ms : 10000;
  if (!c->connected) {
    int64_t at = r->res.t_start_ns + ct * 1000000;
    if (now >= at) {
      char m[64];
      snprintf(m, sizeof m, "%lld ms", (long long)ct);
      end_err(e, c, HTTP_TIMEOUT, "connect timeout after %s", m);
      return 1;
    }
    if (at < *wake)
      *wake = at;
  }
  if (r->o.timeout_ms > 0) {
    int64_t at = r->res.t_start_ns + r->o.timeout_ms * 1000000;
    if (now >= at) {
      char m[64];
      snprintf(m, sizeof m, "%lld ms", (long long)r->o.timeout_ms);
      end_err(e, c, HTTP_TIMEOUT, "timeout after %s", m);
      return 1;
    }
    if (at < *wake)
      *wake = at;
  }
  return 0;
}

void h1_detach(http_engine *e, http_req *r) {
  if (r->conn)
    conn_close(e, r->conn);
  r->conn = NULL;
}

void h1_abort(http_engine *e, http_req *r) {
  if (r->conn) {
    end_err(e, r->conn, r->own_err, "%s", r->own_msg);
    return;
  }
  http_attempt_end(e, r, r->own_err, r->own_msg);
}
