/*
 * Worker processes of the test runner and the deadlines that bound them.
 * The parent never runs test code: it forks workers after collection, hands
 * them batches over a pipe, and waits in poll() with the nearest deadline as
 * the timeout, so a test that loops or hangs in C is still stopped on time.
 */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted_by;

static void on_interrupt(int sig) { interrupted_by = sig; }

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int sup_parent_init(void) {
  /* Orphans of tests (a daemon whose worker crashed) are reparented to us,
   * so their groups stay killable and they never escape the run. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return errno;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  /* no SA_RESTART: poll() must return so the loop sees the flag */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

int sup_interrupted(void) { return interrupted_by; }

pid_t sup_fork(sup_worker *w, int *in_fd, int *out_fd) {
  int down[2], up[2];
  if (pipe2(down, O_CLOEXEC) != 0)
    return -1;
  if (pipe2(up, O_CLOEXEC) != 0) {
    int e = errno;
    close(down[0]);
    close(down[1]);
    errno = e;
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(down[0]);
    close(down[1]);
    close(up[0]);
    close(up[1]);
    errno = e;
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    /* A worker must not outlive the run, even when the parent is SIGKILLed. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (getppid() != parent)
      _exit(70);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    close(down[1]);
    close(up[0]);
    *in_fd = down[0];
    *out_fd = up[1];
    return 0;
  }
  setpgid(pid, pid); /* both sides set it: no race with an early kill(-pid) */
  close(down[0]);
  close(up[1]);
  memset(w, 0, sizeof *w);
  w->pid = pid;
  w->to_fd = down[1];
  w->from_fd = up[0];
  return pid;
}

int sup_send(sup_worker *w, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(w->to_fd, data, len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

void sup_arm(sup_worker *w, int64_t timeout_ns, int64_t grace_ns) {
  w->kill_at_ns = 0;
  w->stop_at_ns = timeout_ns > 0 ? now_ns() + timeout_ns : 0;
  w->grace_ns = grace_ns;
}

void sup_stop_now(sup_worker *w, int64_t grace_ns) {
  if (w->exited)
    return;
  kill(w->pid, SIGUSR1);
  w->stop_at_ns = 0;
  w->kill_at_ns = now_ns() + grace_ns;
}

int sup_kill_group(pid_t pgid, int sig) {
  if (pgid <= 1)
    return EINVAL;
  return kill(-pgid, sig) == 0 ? 0 : errno;
}

static void reap(sup_worker *ws, int n) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0)
      return;
    for (int i = 0; i < n; i++) {
      if (ws[i].pid == pid && !ws[i].exited) {
        ws[i].exited = 1;
        ws[i].status = status;
      }
    }
  }
}

void sup_reap_orphans(void) { reap(NULL, 0); }

/* Appends what the worker wrote; returns 0, or 1 at end of file. */
static int fill(sup_worker *w) {
  if (w->done > 0) {
    memmove(w->buf, w->buf + w->done, w->len - w->done);
    w->len -= w->done;
    w->done = 0;
  }
  if (w->cap - w->len < 65536) {
    size_t cap = w->cap ? w->cap * 2 : 131072;
    char *b = realloc(w->buf, cap);
    if (b == NULL)
      return 0; /* try again later with what we have */
    w->buf = b;
    w->cap = cap;
  }
  ssize_t got = read(w->from_fd, w->buf + w->len, w->cap - w->len);
  if (got > 0) {
    w->len += (size_t)got;
    return 0;
  }
  if (got < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  return 1;
}

static int push(sup_event *ev, int *k, int max, sup_event_kind kind, int worker) {
  if (*k >= max)
    return 0;
  ev[*k].kind = kind;
  ev[*k].worker = worker;
  ev[*k].line = NULL;
  ev[*k].line_len = 0;
  (*k)++;
  return 1;
}

/* Splits complete lines out of w's buffer into events. */
static void split_lines(sup_worker *w, int index, sup_event *ev, int *k, int max) {
  while (*k < max && w->done < w->len) {
    char *start = w->buf + w->done;
    char *nl = memchr(start, '\n', w->len - w->done);
    if (nl == NULL)
      return;
    *nl = '\0';
    push(ev, k, max, SUP_LINE, index);
    ev[*k - 1].line = start;
    ev[*k - 1].line_len = (size_t)(nl - start);
    w->done += (size_t)(nl - start) + 1;
  }
}

int sup_poll(sup_worker *ws, int n, int64_t timeout_ns, sup_event *ev, int max) {
  int k = 0;
  /* lines already buffered come first: no waiting while there is work */
  for (int i = 0; i < n; i++)
    split_lines(&ws[i], i, ev, &k, max);
  if (k > 0)
    return k;

  int64_t now = now_ns();
  int64_t wait = timeout_ns;
  for (int i = 0; i < n; i++) {
    int64_t at = ws[i].stop_at_ns ? ws[i].stop_at_ns : ws[i].kill_at_ns;
    if (at && (wait < 0 || at - now < wait))
      wait = at - now > 0 ? at - now : 0;
  }
  struct pollfd pfd[256];
  int map[256], np = 0;
  for (int i = 0; i < n && np < 256; i++) {
    if (!ws[i].eof) {
      pfd[np].fd = ws[i].from_fd;
      pfd[np].events = POLLIN;
      pfd[np].revents = 0;
      map[np++] = i;
    }
  }
  /* a worker may exit while another keeps its pipe open: wake up now and
   * then to reap; 200 ms bounds how late such an exit is seen */
  int ms = wait < 0 ? 200 : (int)((wait + 999999) / 1000000);
  if (ms > 200)
    ms = 200;
  int r = poll(pfd, (nfds_t)np, ms);
  if (r < 0 && errno != EINTR)
    return -1;
  for (int j = 0; r > 0 && j < np; j++) {
    if (pfd[j].revents == 0)
      continue;
    sup_worker *w = &ws[map[j]];
    if (fill(w))
      w->eof = 1;
  }
  reap(ws, n);
  now = now_ns();
  for (int i = 0; i < n; i++) {
    sup_worker *w = &ws[i];
    split_lines(w, i, ev, &k, max);
    if (w->done < w->len || k >= max)
      continue; /* deliver every line before the deadline or exit events */
    if (w->eof == 1 && !w->exited) {
      /* the pipe closes when the worker dies: its exit status follows */
      int status;
      if (waitpid(w->pid, &status, 0) == w->pid) {
        w->exited = 1;
        w->status = status;
      }
    }
    if (w->eof == 1 && w->exited) {
      if (push(ev, &k, max, SUP_EXIT, i)) {
        w->eof = 2; /* reported */
        w->stop_at_ns = w->kill_at_ns = 0;
      }
      continue;
    }
    if (w->stop_at_ns && now >= w->stop_at_ns && push(ev, &k, max, SUP_STOP, i)) {
      sup_stop_now(w, w->grace_ns);
    } else if (w->kill_at_ns && now >= w->kill_at_ns && push(ev, &k, max, SUP_KILL, i)) {
      kill(-w->pid, SIGKILL);
      kill(w->pid, SIGKILL);
      w->kill_at_ns = 0;
    }
  }
  return k;
}

void sup_release(sup_worker *w) {
  if (w->to_fd >= 0)
    close(w->to_fd);
  if (w->from_fd >= 0)
    close(w->from_fd);
  w->to_fd = w->from_fd = -1;
  free(w->buf);
  w->buf = NULL;
  w->len = w->cap = w->done = 0;
}

int sup_limit_memory(uint64_t bytes) {
  /* RLIMIT_DATA, not RLIMIT_AS: the CUDA runtime reserves tens of GiB of
   * address space (PROT_NONE) at init, which an address-space cap breaks.
   * Linux >= 4.7 counts private writable mappings (brk, anonymous mmap: what
   * malloc uses) against RLIMIT_DATA, so a runaway allocation still fails. */
  struct rlimit rl;
  rl.rlim_cur = rl.rlim_max = (rlim_t)bytes;
  return setrlimit(RLIMIT_DATA, &rl) == 0 ? 0 : errno;
}

static int redirect(const char *path, int fd) {
  int f = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (f < 0)
    return errno;
  int r = dup2(f, fd) < 0 ? errno : 0;
  close(f);
  return r;
}

int sup_capture_start(const char *out_path, const char *err_path) {
  int r = redirect(out_path, 1);
  return r ? r : redirect(err_path, 2);
}

char *sup_capture_take(int fd, size_t *len) {
  *len = 0;
  off_t end = lseek(fd, 0, SEEK_CUR);
  if (end <= 0)
    return NULL;
  char *buf = malloc((size_t)end);
  if (buf == NULL)
    return NULL;
  ssize_t got = pread(fd, buf, (size_t)end, 0);
  if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 || got <= 0) {
    free(buf);
    return NULL;
  }
  *len = (size_t)got;
  return buf;
}
