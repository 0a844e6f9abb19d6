/*
 * A process-wide stop request for long waits in C. A signal handler (the
 * runner's worker, on a test timeout or a stopped run) calls
 * interrupt_request(); C loops that may block for long (the HTTP engine's
 * wait) look at interrupt_pending() at least every 100 ms and end their work
 * with an "interrupted" error, so the test stops promptly instead of waiting
 * for the SIGKILL grace. The flag stays set until interrupt_clear().
 */
#ifndef OMNILUA_INTERRUPT_H
#define OMNILUA_INTERRUPT_H

/* Async-signal-safe: only stores to a volatile sig_atomic_t. */
void interrupt_request(void);
int interrupt_pending(void);
void interrupt_clear(void);

/* The message long waits end with, and the error code the Lua API shows. */
#define INTERRUPT_MESSAGE "interrupted: test timed out or run stopped"
#define INTERRUPT_CODE "INTERRUPTED"

#endif
