#ifndef OMNILUA_FAULT_PROCESS_H
#define OMNILUA_FAULT_PROCESS_H
/* Process faults: a signal to one process or to a whole process group. */
#include <stddef.h>
#include <sys/types.h>

/* "KILL", "SIGKILL", "kill" or a decimal number -> signal number, or -1. */
int fault_signal_number(const char *name);
/* Name of a signal without "SIG" ("KILL"), or "?" */
const char *fault_signal_name(int sig);
/* Sends sig to process pid, or to process group pid when group is set.
 * 0, or -1 with why ("cannot send SIGKILL to process group 123: No such
 * process") and code ("ESRCH", "EPERM", "EINVAL"). */
int fault_signal_send(pid_t pid, int group, int sig, char *why, size_t len, const char **code);

#endif
