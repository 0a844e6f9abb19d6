/* core/procstat: parsing /proc/<pid>/stat (names with spaces and
 * parentheses, short lines), this process, a process group of children
 * (totals and the group going away), and the sampler (ticks, draining,
 * switching groups, stop twice). */
#include "check.h"
#include "clock.h"
#include "procstat.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_parse(void) {
  /* proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
   * cmajflt utime stime cutime cstime prio nice threads itreal starttime vsize rss ... */
  const char *line = "4242 (my (odd) name) S 1 4240 4240 0 -1 4194560 100 0 0 0 250 50 7 7 20 0 "
                     "3 0 123456 1000000 300 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 "
                     "0 0 0 0\n";
  procstat_proc p;
  CHECK_EQ_INT(procstat_parse_stat(line, strlen(line), &p), 0);
  CHECK_EQ_INT(p.pid, 4242);
  CHECK_EQ_STR(p.comm, "my (odd) name");
  CHECK_EQ_INT(p.state, 'S');
  CHECK_EQ_INT(p.ppid, 1);
  CHECK_EQ_INT(p.pgrp, 4240);
  CHECK_EQ_INT(p.threads, 3);
  CHECK_EQ_INT(p.start_ticks, 123456);
  long page = sysconf(_SC_PAGESIZE), hz = sysconf(_SC_CLK_TCK);
  CHECK_EQ_INT(p.rss_bytes, 300 * page);
  CHECK_NEAR(p.cpu_s, 300.0 / hz, 1e-12); /* utime + stime; children's time excluded */

  const char *bad[] = {"", "garbage", "12 (x) S 1 2", "(x) S 1 2 3", "0 (x) S"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK_EQ_INT(procstat_parse_stat(bad[i], strlen(bad[i]), &p), -1);
}

static void test_self_and_missing(void) {
  procstat_proc p;
  char err[128];
  const char *code = NULL;
  CHECK_EQ_INT(procstat_read(getpid(), &p, err, sizeof err, &code), 0);
  CHECK_EQ_INT(p.pid, getpid());
  CHECK(p.rss_bytes > 0);
  CHECK_EQ_INT(p.state, 'R');
  /* a pid that cannot exist (above pid_max's hard limit of 2^22) */
  CHECK_EQ_INT(procstat_read(5000000, &p, err, sizeof err, &code), -1);
  CHECK_EQ_STR(code, "ESRCH");
  CHECK_EQ_STR(err, "no process 5000000");
}

/* Forks a leader of a new group with `extra` more children in it, each
 * holding `mb` MiB touched. Returns the leader's pid (= pgid). */
static pid_t spawn_group(int extra, int mb) {
  pid_t leader = fork();
  if (leader == 0) {
    setpgid(0, 0);
    for (int i = 0; i < extra; i++)
      if (fork() == 0)
        break;
    volatile char *m = malloc((size_t)mb << 20); /* volatile: the writes must happen */
    for (size_t i = 0; i < ((size_t)mb << 20); i += 1024)
      m[i] = 1;
    for (;;)
      pause();
  }
  setpgid(leader, leader);
  return leader;
}

static void test_group(void) {
  pid_t g = spawn_group(2, 8);
  procstat_proc list[8];
  procstat_total tot;
  char err[128];
  int n = 0;
  for (int i = 0; i < 200 && n < 3; i++) { /* the children start asynchronously */
    clock_sleep_ns(10000000);
    n = procstat_group(g, list, 8, &tot, err, sizeof err);
    if (tot.rss_bytes < 3 * (8u << 20))
      n = 0;
  }
  CHECK_EQ_INT(n, 3);
  CHECK_EQ_INT(tot.procs, 3);
  CHECK(tot.rss_bytes >= 3 * (8u << 20));
  for (int i = 0; i < n && i < 8; i++)
    CHECK_EQ_INT(list[i].pgrp, g);
  /* max 1: totals still count everyone */
  CHECK_EQ_INT(procstat_group(g, list, 1, &tot, err, sizeof err), 3);
  CHECK_EQ_INT(tot.procs, 3);

  kill(-g, SIGKILL);
  waitpid(g, NULL, 0);
  for (int i = 0; i < 200; i++) { /* the grandchildren are reaped by init */
    if (procstat_group(g, NULL, 0, &tot, err, sizeof err) == 0)
      break;
    clock_sleep_ns(10000000);
  }
  CHECK_EQ_INT(procstat_group(g, NULL, 0, &tot, err, sizeof err), 0);
  CHECK_EQ_INT(tot.rss_bytes, 0);
}

static void test_sampler(void) {
  pid_t g1 = spawn_group(0, 4), g2 = spawn_group(1, 4);
  clock_sleep_ns(100000000);
  procstat_sampler *s = NULL;
  char err[128];
  CHECK_EQ_INT(procstat_sampler_start(g1, 0.02, &s, err, sizeof err), 0);
  clock_sleep_ns(210000000);
  procstat_sample buf[64];
  size_t n = procstat_sampler_drain(s, buf, 64);
  CHECK(n >= 8 && n <= 13); /* one at start, then one per 20 ms */
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ_INT(buf[i].pgid, g1);
    CHECK_EQ_INT(buf[i].total.procs, 1);
    CHECK(buf[i].total.rss_bytes >= (4u << 20));
    if (i > 0)
      CHECK(buf[i].t_ns > buf[i - 1].t_ns);
  }
  CHECK_EQ_INT(procstat_sampler_drain(s, buf, 64), 0); /* drained means forgotten */
  procstat_sampler_set_group(s, g2);
  clock_sleep_ns(100000000);
  n = procstat_sampler_drain(s, buf, 64);
  CHECK(n >= 3);
  CHECK_EQ_INT(buf[n - 1].pgid, g2);
  CHECK_EQ_INT(buf[n - 1].total.procs, 2);
  CHECK_EQ_INT(procstat_sampler_dropped(s), 0);
  procstat_sampler_stop(s);
  procstat_sampler_stop(s);
  size_t after = procstat_sampler_drain(s, buf, 64);
  clock_sleep_ns(60000000);
  CHECK_EQ_INT(procstat_sampler_drain(s, buf, 64), 0); /* stopped: no new samples */
  CHECK(after <= 1);
  procstat_sampler_free(s);
  procstat_sampler_free(NULL);
  kill(-g1, SIGKILL);
  kill(-g2, SIGKILL);
  waitpid(g1, NULL, 0);
  waitpid(g2, NULL, 0);
}

int main(void) {
  test_parse();
  test_self_and_missing();
  test_group();
  test_sampler();
  return check_summary("test_procstat");
}
