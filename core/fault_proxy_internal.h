#ifndef OMNILUA_FAULT_PROXY_INTERNAL_H
#define OMNILUA_FAULT_PROXY_INTERNAL_H
/* Shared by fault_proxy.c (thread, accept, settings) and
 * fault_proxy_conn.c (moving bytes of one connection). */
#include "fault_proxy.h"
#include "fault_shaper.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#define FAULT_CHUNK 16384           /* bytes read at once */
#define FAULT_QUEUE_CAP (256 << 10) /* bytes held per direction before reading stops */

typedef struct fault_chunk {
  struct fault_chunk *next;
  int64_t release_ns;
  size_t len, off;
  char data[];
} fault_chunk;

/* One direction of a connection: bytes read from src wait here for dst. */
typedef struct fault_half {
  fault_chunk *head, *tail;
  size_t queued;
  int64_t last_release_ns;
  fault_bucket bucket;
  int eof;     /* src said EOF */
  int shut;    /* EOF passed on to dst */
  int blocked; /* the last write to dst would block: wait for EPOLLOUT */
  int shaped;  /* latency/jitter/bandwidth apply to this direction */
} fault_half;

typedef struct fault_conn fault_conn;
/* What an epoll event points at: one socket of a connection. */
typedef struct fault_end {
  fault_conn *conn;
  int side; /* 0 client socket, 1 server socket */
} fault_end;

struct fault_conn {
  int fd[2];      /* client, server */
  int events[2];  /* epoll interest registered for fd[i]; -1: removed from the set */
  int connecting; /* server connect in progress */
  int dead;       /* closed; freed at the end of the loop iteration */
  fault_end end[2];
  fault_half up, down; /* up: client -> server; down: server -> client */
  uint64_t forwarded;
  fault_conn *next;
};

struct fault_proxy {
  int listen_fd, epoll_fd, wake_fd, port;
  struct sockaddr_storage target;
  socklen_t target_len;
  pthread_t thread;
  int thread_started;
  pthread_mutex_t mu; /* guards `settings` and `changed` */
  fault_settings settings;
  int changed;
  atomic_int stop;
  /* owned by the proxy thread */
  fault_settings live;
  fault_rng rng;
  fault_conn *conns;
  /* counters written by the proxy thread, read by anyone */
  atomic_uint_least64_t connections, active, bytes_up, bytes_down, resets, connect_errors;
};

/* Moves what can be moved on c now; returns the earliest time something
 * more can happen (INT64_MAX: only on a socket event). Marks c dead when
 * it has ended. */
int64_t fault_conn_pump(fault_proxy *p, fault_conn *c, int64_t now_ns);
/* Completes a pending connect to the target (after EPOLLOUT). */
void fault_conn_connected(fault_proxy *p, fault_conn *c);
/* Resets both sockets (RST) and marks c dead. */
void fault_conn_reset(fault_proxy *p, fault_conn *c, int count_as_fault);
/* Applies p->live to c's shaping (bucket rates, which halves are shaped). */
void fault_conn_apply(fault_proxy *p, fault_conn *c, int64_t now_ns);
/* Registers the epoll interest c needs now. */
void fault_conn_watch(fault_proxy *p, fault_conn *c, int64_t now_ns);
/* Closes the sockets and frees the queues; c itself is freed by the caller. */
void fault_conn_close(fault_conn *c);

#endif
