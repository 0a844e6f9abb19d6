/*
 * fork + exec for omni.proc. Errors of the child before exec (a missing
 * program, a bad cwd) come back to the parent over a close-on-exec pipe, so
 * spawn itself fails with the reason instead of a child exiting 127.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child_fail(int fd, int err) {
  ssize_t r = write(fd, &err, sizeof err);
  (void)r;
  _exit(127);
}

static int open_to(const char *path, int fd, int flags) {
  int f = open(path, flags, 0644);
  if (f < 0)
    return -1;
  if (f != fd) {
    if (dup2(f, fd) < 0)
      return -1;
    close(f);
  }
  return 0;
}

/* The parent-death signal, set after the handlers are reset so that the
 * signal finds the default action until exec. A parent that died between
 * fork and prctl would never send it: then the child was already
 * reparented (getppid() is no longer the spawner) and ends itself at once,
 * the way the signal would have ended it. */
static void die_with(int sig, pid_t spawner, int errfd) {
  if (prctl(PR_SET_PDEATHSIG, (unsigned long)sig, 0, 0, 0) != 0)
    child_fail(errfd, errno);
  if (getppid() != spawner) {
    raise(sig);
    _exit(128 + sig); /* a signal whose default action is not to end */
  }
}

static void child(const proc_spec *s, pid_t spawner, int errfd) {
  if (s->new_group)
    setpgid(0, 0);
  /* the worker's handlers and mask must not leak into the program */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  for (int sig = 1; sig < NSIG; sig++) {
    if (sig != SIGKILL && sig != SIGSTOP)
      signal(sig, SIG_DFL);
  }
  if (s->death_signal > 0)
    die_with(s->death_signal, spawner, errfd);
  if (s->cwd != NULL && chdir(s->cwd) != 0)
    child_fail(errfd, errno);
  if (open_to(s->stdin_path ? s->stdin_path : "/dev/null", 0, O_RDONLY) != 0)
    child_fail(errfd, errno);
  int oflags = O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC);
  if (s->stdout_path != NULL && open_to(s->stdout_path, 1, oflags) != 0)
    child_fail(errfd, errno);
  if (s->stderr_path != NULL) {
    if (s->stdout_path != NULL && strcmp(s->stdout_path, s->stderr_path) == 0) {
      if (dup2(1, 2) < 0)
        child_fail(errfd, errno);
    } else if (open_to(s->stderr_path, 2, oflags) != 0) {
      child_fail(errfd, errno);
    }
  }
  for (const char *const *e = s->env; e != NULL && *e != NULL; e++)
    putenv((char *)*e);
  execvp(s->argv[0], (char *const *)s->argv);
  child_fail(errfd, errno);
}

pid_t proc_spawn(const proc_spec *s, int *err) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    *err = errno;
    return -1;
  }
  pid_t spawner = getpid(); /* before fork: the child compares its getppid() */
  pid_t pid = fork();
  if (pid < 0) {
    *err = errno;
    close(p[0]);
    close(p[1]);
    return -1;
  }
  if (pid == 0) {
    close(p[0]);
    child(s, spawner, p[1]);
  }
  close(p[1]);
  if (s->new_group)
    setpgid(pid, pid); /* both sides: no race with a kill of the group */
  int child_err = 0;
  ssize_t n;
  do
    n = read(p[0], &child_err, sizeof child_err);
  while (n < 0 && errno == EINTR);
  close(p[0]);
  if (n == (ssize_t)sizeof child_err) {
    waitpid(pid, NULL, 0);
    *err = child_err;
    return -1;
  }
  return pid;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int proc_wait(pid_t pid, int64_t timeout_ns, int *status) {
  if (timeout_ns < 0) {
    for (;;) {
      pid_t r = waitpid(pid, status, 0);
      if (r == pid)
        return 1;
      if (r < 0 && errno != EINTR)
        return -1;
    }
  }
  int64_t end = now_ns() + timeout_ns;
#ifdef SYS_pidfd_open
  /* a pidfd turns the wait into one poll() with the exact timeout */
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) {
    for (;;) {
      pid_t r = waitpid(pid, status, WNOHANG);
      if (r == pid || r < 0) {
        close(fd);
        return r == pid ? 1 : -1;
      }
      int64_t left = end - now_ns();
      if (left <= 0) {
        close(fd);
        return 0;
      }
      struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
      poll(&pfd, 1, (int)((left + 999999) / 1000000));
    }
  }
#endif
  int64_t nap = 1000000; /* 1 ms, doubling to 50 ms */
  for (;;) {
    pid_t r = waitpid(pid, status, WNOHANG);
    if (r == pid)
      return 1;
    if (r < 0 && errno != EINTR)
      return -1;
    int64_t left = end - now_ns();
    if (left <= 0)
      return 0;
    if (nap > left)
      nap = left;
    struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)nap};
    nanosleep(&ts, NULL);
    if (nap < 50000000)
      nap *= 2;
  }
}
