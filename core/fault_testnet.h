#ifndef OMNILUA_FAULT_TESTNET_H
#define OMNILUA_FAULT_TESTNET_H
/*
 * Test helpers for the fault proxy, since Lua has no sockets of its own:
 * an echo server on its own thread, and a blocking TCP client with
 * timeouts. Exposed to Lua as faults._echo_server and faults._connect,
 * for omnilua's own tests; not a public API.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct fault_echo fault_echo;
/* Listens on 127.0.0.1 (any free port) and echoes every byte back. */
int fault_echo_start(fault_echo **out, char *why, size_t len);
int fault_echo_port(const fault_echo *e);
uint64_t fault_echo_connections(fault_echo *e);
/* Stops the thread, closes every socket, frees. */
void fault_echo_close(fault_echo *e);

/* Connects to 127.0.0.1:port; the fd, or -errno (ETIMEDOUT after timeout_ms). */
int fault_tcp_connect(int port, int timeout_ms);
/* Sends all of data: 0, or -errno. */
int fault_tcp_send_all(int fd, const char *data, size_t len, int timeout_ms);
/* Receives up to max bytes: n > 0, 0 at EOF, or -errno (-ETIMEDOUT when
 * nothing came within timeout_ms). */
ssize_t fault_tcp_recv(int fd, char *buf, size_t max, int timeout_ms);

#endif
