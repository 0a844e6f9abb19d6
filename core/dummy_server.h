/* The dummy omni server's event loop: one thread, epoll, non-blocking
 * sockets, HTTP/1.1 keep-alive, chunked SSE streams, and a timer heap that
 * paces every stream's chunks on CLOCK_MONOTONIC (epoll_pwait2's ns timeout,
 * or a timerfd on kernels before 5.11). A request's latency profile counts
 * from the kernel's receive timestamp of its last bytes. */
#ifndef OMNILUA_DUMMY_SERVER_H
#define OMNILUA_DUMMY_SERVER_H
#include <stddef.h>

#include "dummy_routes.h"

typedef struct dummy_server dummy_server;

/* Binds and listens (cfg is copied); NULL with a reason in err ("port 8000
 * on 127.0.0.1 is taken", ...). */
dummy_server *dummy_server_new(const dummy_config *cfg, char *err, size_t errlen);
int dummy_server_port(const dummy_server *s);
/* Serves until dummy_server_stop; 0, or -1 on a fatal error. */
int dummy_server_run(dummy_server *s);
/* Asks the loop to end; safe from another thread and from a signal handler. */
void dummy_server_stop(dummy_server *s);
void dummy_server_free(dummy_server *s);
/* For the tests: wait with the timerfd, as on kernels without epoll_pwait2.
 * Call before dummy_server_run. */
void dummy_server_use_timerfd(dummy_server *s);
/* Counters, for tests and logs. */
size_t dummy_server_requests(const dummy_server *s);
size_t dummy_server_open_connections(const dummy_server *s);

#endif
