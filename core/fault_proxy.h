#ifndef OMNILUA_FAULT_PROXY_H
#define OMNILUA_FAULT_PROXY_H
/*
 * A TCP proxy that injects network faults between a client and a server,
 * on its own thread (epoll), switchable while traffic flows:
 *  - latency and jitter: bytes read are held latency +- jitter (uniform,
 *    seeded) before they are written on, in each direction; byte order is
 *    kept, so a request-response round trip gains about 2 x latency;
 *  - bandwidth: a token bucket per connection and direction;
 *  - reset: every open connection is reset (RST to both sides), and new ones
 *    are reset as soon as they are accepted, until the setting is cleared;
 *  - blackhole: until a deadline nothing is read or forwarded (connections
 *    are accepted); the bytes wait in the kernel buffers and flow after the
 *    deadline, like a short outage that TCP rides through;
 *  - drop_after_bytes: a connection is reset once it has forwarded that many
 *    bytes (both directions together).
 * Errors return -1 with a message in why and a code such as "EADDRINUSE".
 */
#include <stddef.h>
#include <stdint.h>

enum { FAULT_UP = 1, FAULT_DOWN = 2 }; /* client->server, server->client */

typedef struct fault_settings {
  int64_t latency_ns;         /* added in each direction listed in `directions` */
  int64_t jitter_ns;          /* uniform in [-jitter, +jitter] */
  int64_t bandwidth_bps;      /* bits per second, per connection and direction; 0 = unlimited */
  int directions;             /* FAULT_UP | FAULT_DOWN: where the three above apply */
  int reset;                  /* reset open and new connections while set */
  int64_t blackhole_until_ns; /* monotonic deadline; 0 or past = none */
  int64_t drop_after_bytes;   /* 0 = never */
  uint64_t seed;              /* jitter generator seed */
} fault_settings;

typedef struct fault_proxy_stats {
  uint64_t connections;    /* accepted in total */
  uint64_t active;         /* open now */
  uint64_t bytes_up;       /* forwarded client -> server */
  uint64_t bytes_down;     /* forwarded server -> client */
  uint64_t resets;         /* connections reset by a fault (reset, drop_after_bytes) */
  uint64_t connect_errors; /* connections to the target that failed */
} fault_proxy_stats;

typedef struct fault_proxy fault_proxy;

/* The settings of a proxy without faults (directions both, seed 1). */
void fault_settings_default(fault_settings *s);
/* Listens on "host:port" (port 0 = any free port) and forwards every
 * connection to target "host:port". Starts the proxy thread. */
int fault_proxy_start(const char *listen_addr, const char *target, fault_proxy **out, char *why,
                      size_t len, const char **code);
int fault_proxy_port(const fault_proxy *p);
void fault_proxy_get(fault_proxy *p, fault_settings *out);
/* Replaces the settings; they apply at once to open connections. */
void fault_proxy_set(fault_proxy *p, const fault_settings *s);
void fault_proxy_stats_get(fault_proxy *p, fault_proxy_stats *out);
/* Stops the thread, closes every socket, frees. */
void fault_proxy_close(fault_proxy *p);

#endif
