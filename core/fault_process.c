#include "fault_process.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
  const char *name;
  int sig;
} signals[] = {{"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"ABRT", SIGABRT},
               {"KILL", SIGKILL}, {"SEGV", SIGSEGV}, {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},
               {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"CHLD", SIGCHLD},
               {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"BUS", SIGBUS}};

int fault_signal_number(const char *name) {
  if (!name || !*name)
    return -1;
  char *end;
  long n = strtol(name, &end, 10);
  if (*end == 0)
    return n > 0 && n < NSIG ? (int)n : -1;
  if (strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp(name, signals[i].name) == 0)
      return signals[i].sig;
  return -1;
}

const char *fault_signal_name(int sig) {
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (signals[i].sig == sig)
      return signals[i].name;
  return "?";
}

int fault_signal_send(pid_t pid, int group, int sig, char *why, size_t len, const char **code) {
  /* pid 0 and -1 mean "my group" and "everyone" to kill(2): never that. */
  if (pid <= 1) {
    snprintf(why, len, "refusing to signal %s %d", group ? "process group" : "process", (int)pid);
    *code = "EINVAL";
    return -1;
  }
  if (kill(group ? -pid : pid, sig) == 0)
    return 0;
  int err = errno;
  snprintf(why, len, "cannot send SIG%s to %s %d: %s", fault_signal_name(sig),
           group ? "process group" : "process", (int)pid, strerror(err));
  *code = err == ESRCH ? "ESRCH" : err == EPERM ? "EPERM" : "EINVAL";
  return -1;
}
