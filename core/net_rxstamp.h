/*
 * Reading a socket with the kernel's receive timestamp (SO_TIMESTAMPNS).
 *
 * A program that stamps bytes with the clock after recv() returns measures
 * its own scheduling too: with 256 streams whose tokens fall due together,
 * the last socket read in a wake-up is stamped a few milliseconds after its
 * bytes came in. The kernel stamps each packet as it arrives, before any
 * process runs, so time to first token and inter-token latency come out as
 * the server produced them. The stamp is on CLOCK_REALTIME; it is moved to
 * the monotonic clock with an offset read at the time of the read. The
 * kernel switches stamping on for the first socket that asks through a work
 * queue: the packets of that first moment come unstamped and get the
 * present time, as without the option.
 */
#ifndef OMNILUA_NET_RXSTAMP_H
#define OMNILUA_NET_RXSTAMP_H
#include <stdint.h>
#include <sys/types.h>

/* Asks the kernel to stamp what fd receives. Returns 0, or -1 (the reads
 * then fall back to the present time). */
int rxstamp_enable(int fd);

/* A socket that holds the kernel's stamping switched on until it is closed
 * (-1 if it cannot): made before the first measured request, so that its
 * packets are stamped too. */
int rxstamp_hold(void);

/* recv(fd, buf, len, 0) that also sets *at (when n > 0) to the monotonic
 * time at which the kernel received the last of the bytes returned, or to
 * the present time where the kernel gave no stamp. */
ssize_t rxstamp_recv(int fd, void *buf, size_t len, int64_t *at);

/* The conversion rxstamp_recv uses, apart for the tests: a wall-clock stamp
 * to the monotonic clock, given both clocks read now. A stamp from the
 * future (the wall clock was stepped back) or from more than a minute ago
 * (stepped forward) is not trusted: the present time is returned. */
int64_t rxstamp_to_mono(int64_t stamp_wall_ns, int64_t now_wall_ns, int64_t now_mono_ns);

#endif
