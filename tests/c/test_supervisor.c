/* C unit tests for the runner's supervisor (core/supervisor.c) and the
 * process helpers (core/proc.c): pipes and lines, deadlines that stop then
 * kill, crash statuses, output capture, spawn/wait. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "proc.h"
#include "supervisor.h"

/* Polls until kind arrives for worker 0 (or ~5 s pass); returns the event count seen. */
static int wait_for(sup_worker *w, sup_event_kind kind, char *line_out, size_t cap) {
  sup_event ev[16];
  for (int round = 0; round < 100; round++) {
    int n = sup_poll(w, 1, 50000000, ev, 16);
    for (int i = 0; i < n; i++) {
      if (ev[i].kind == SUP_LINE && line_out != NULL && kind == SUP_LINE) {
        snprintf(line_out, cap, "%.*s", (int)ev[i].line_len, ev[i].line);
        return 1;
      }
      if (ev[i].kind == kind)
        return 1;
    }
  }
  return 0;
}

static void test_lines_and_exit(void) {
  sup_worker w;
  int in, out;
  pid_t pid = sup_fork(&w, &in, &out);
  CHECK(pid >= 0);
  if (pid == 0) {
    char buf[256];
    ssize_t n;
    while ((n = read(in, buf, sizeof buf)) > 0) {
      for (ssize_t i = 0; i < n; i++)
        buf[i] = buf[i] == '\n' ? '\n' : (char)(buf[i] - 32); /* upper case */
      if (write(out, buf, (size_t)n) != n)
        _exit(2);
    }
    _exit(7);
  }
  CHECK_EQ_INT(getpgid(pid), pid); /* the worker leads its own group */
  CHECK_EQ_INT(sup_send(&w, "abc\n", 4), 0);
  char line[64] = "";
  CHECK(wait_for(&w, SUP_LINE, line, sizeof line));
  CHECK_EQ_STR(line, "ABC");
  close(w.to_fd); /* EOF: the worker exits 7 */
  w.to_fd = -1;
  CHECK(wait_for(&w, SUP_EXIT, NULL, 0));
  CHECK(WIFEXITED(w.status) && WEXITSTATUS(w.status) == 7);
  sup_release(&w);
}

static void test_deadline_stops_then_kills(void) {
  sup_worker w;
  int in, out;
  pid_t pid = sup_fork(&w, &in, &out);
  if (pid == 0) {
    signal(SIGUSR1, SIG_IGN); /* a test stuck in C: the stop does nothing */
    for (;;)
      pause();
  }
  sup_arm(&w, 50000000, 50000000); /* 50 ms, then 50 ms grace */
  CHECK(wait_for(&w, SUP_STOP, NULL, 0));
  CHECK(wait_for(&w, SUP_KILL, NULL, 0));
  CHECK(wait_for(&w, SUP_EXIT, NULL, 0));
  CHECK(WIFSIGNALED(w.status) && WTERMSIG(w.status) == SIGKILL);
  sup_release(&w);
}

static void test_crash_status(void) {
  sup_worker w;
  int in, out;
  pid_t pid = sup_fork(&w, &in, &out);
  if (pid == 0) {
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(0);
  }
  CHECK(wait_for(&w, SUP_EXIT, NULL, 0));
  CHECK(WIFSIGNALED(w.status) && WTERMSIG(w.status) == SIGSEGV);
  sup_release(&w);
}

static void test_capture(void) {
  sup_worker w;
  int in, out;
  pid_t pid = sup_fork(&w, &in, &out);
  if (pid == 0) {
    char dir[] = "/tmp/omnilua-cap-XXXXXX";
    if (mkdtemp(dir) == NULL)
      _exit(3);
    char o[64], e[64];
    snprintf(o, sizeof o, "%s/out", dir);
    snprintf(e, sizeof e, "%s/err", dir);
    if (sup_capture_start(o, e) != 0)
      _exit(4);
    printf("first");
    fflush(stdout);
    size_t len;
    char *got = sup_capture_take(1, &len);
    int ok1 = got != NULL && len == 5 && memcmp(got, "first", 5) == 0;
    free(got);
    char *none = sup_capture_take(1, &len); /* nothing new: NULL */
    printf("second");
    fflush(stdout);
    got = sup_capture_take(1, &len);
    int ok2 = got != NULL && len == 6 && memcmp(got, "second", 6) == 0;
    free(got);
    unlink(o);
    unlink(e);
    rmdir(dir);
    _exit(ok1 && none == NULL && ok2 ? 0 : 5);
  }
  CHECK(wait_for(&w, SUP_EXIT, NULL, 0));
  CHECK(WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0);
  sup_release(&w);
}

static void test_proc(void) {
  const char *exit7[] = {"sh", "-c", "exit $CODE", NULL};
  const char *env[] = {"CODE=7", NULL};
  proc_spec s;
  memset(&s, 0, sizeof s);
  s.argv = exit7;
  s.env = env;
  s.new_group = 1;
  int err = 0, status = 0;
  pid_t pid = proc_spawn(&s, &err);
  CHECK(pid > 0);
  CHECK_EQ_INT(proc_wait(pid, 5000000000LL, &status), 1);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);

  const char *missing[] = {"/no/such/program", NULL};
  s.argv = missing;
  s.env = NULL;
  CHECK_EQ_INT(proc_spawn(&s, &err), -1);
  CHECK_EQ_INT(err, ENOENT);

  const char *sleeper[] = {"sleep", "5", NULL};
  s.argv = sleeper;
  pid = proc_spawn(&s, &err);
  CHECK(pid > 0);
  CHECK_EQ_INT(getpgid(pid), pid);
  CHECK_EQ_INT(proc_wait(pid, 20000000, &status), 0); /* 20 ms: still running */
  CHECK_EQ_INT(sup_kill_group(pid, SIGKILL), 0);
  CHECK_EQ_INT(proc_wait(pid, -1, &status), 1);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  test_lines_and_exit();
  test_deadline_stops_then_kills();
  test_crash_status();
  test_capture();
  test_proc();
  return check_summary("test_supervisor");
}
