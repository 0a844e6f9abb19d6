/*
 * Reading /proc/<pid>/stat: one read per process gives its group, state,
 * CPU time and resident set, so a group scan is one opendir over /proc and
 * one small read per process.
 */
#include "procstat.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long page_bytes(void) {
  static long v;
  if (!v) {
    long p = sysconf(_SC_PAGESIZE);
    v = p > 0 ? p : 4096;
  }
  return v;
}

static long tick_hz(void) {
  static long v;
  if (!v) {
    long t = sysconf(_SC_CLK_TCK);
    v = t > 0 ? t : 100;
  }
  return v;
}

int procstat_parse_stat(const char *text, size_t len, procstat_proc *out) {
  memset(out, 0, sizeof *out);
  /* The name may hold spaces and parentheses: it ends at the LAST ')'. */
  const char *open = memchr(text, '(', len);
  const char *close = NULL;
  for (const char *p = text + len; p > text; p--)
    if (p[-1] == ')') {
      close = p - 1;
      break;
    }
  if (!open || !close || close < open)
    return -1;
  char *end;
  out->pid = (int)strtol(text, &end, 10);
  if (end == text || out->pid <= 0)
    return -1;
  size_t n = (size_t)(close - open - 1);
  if (n >= sizeof out->comm)
    n = sizeof out->comm - 1;
  memcpy(out->comm, open + 1, n);
  out->comm[n] = '\0';
  /* Fields after ')' are numbered from 3 (state) as in proc(5). */
  char rest[1024];
  size_t rn = (size_t)(text + len - (close + 1));
  if (rn >= sizeof rest)
    rn = sizeof rest - 1;
  memcpy(rest, close + 1, rn);
  rest[rn] = '\0';
  char *save = NULL;
  int field = 3;
  unsigned long long utime = 0, stime = 0;
  int seen = 0;
  for (char *tok = strtok_r(rest, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save), field++) {
    switch (field) {
    case 3:
      out->state = tok[0];
      break;
    case 4:
      out->ppid = atoi(tok);
      break;
    case 5:
      out->pgrp = atoi(tok);
      break;
    case 14:
      utime = strtoull(tok, NULL, 10);
      break;
    case 15:
      stime = strtoull(tok, NULL, 10);
      break;
    case 20:
      out->threads = atoi(tok);
      break;
    case 22:
      out->start_ticks = strtoull(tok, NULL, 10);
      break;
    case 24: {
      long long pages = strtoll(tok, NULL, 10);
      out->rss_bytes = pages > 0 ? (uint64_t)pages * (uint64_t)page_bytes() : 0;
      seen = 1;
      break;
    }
    default:
      break;
    }
    if (seen)
      break;
  }
  if (!seen)
    return -1;
  out->cpu_s = (double)(utime + stime) / (double)tick_hz();
  return 0;
}

/* Reads a small /proc file whole; its length, or -1 with errno set. */
static ssize_t read_small(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  size_t n = 0;
  for (;;) {
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      int e = errno;
      close(fd);
      if (r < 0) {
        errno = e;
        return -1;
      }
      break;
    }
    n += (size_t)r;
    if (n == cap - 1)
      break;
  }
  buf[n] = '\0';
  return (ssize_t)n;
}

int procstat_read(int pid, procstat_proc *out, char *err, size_t errlen, const char **code) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  ssize_t n = read_small(path, buf, sizeof buf);
  if (n < 0) {
    int e = errno;
    *code = e == ENOENT || e == ESRCH ? "ESRCH" : e == EACCES ? "EACCES" : "EIO";
    if (e == ENOENT || e == ESRCH)
      snprintf(err, errlen, "no process %d", pid);
    else
      snprintf(err, errlen, "cannot read %s: %s", path, strerror(e));
    return -1;
  }
  if (procstat_parse_stat(buf, (size_t)n, out) != 0) {
    *code = "EIO";
    snprintf(err, errlen, "cannot parse %s", path);
    return -1;
  }
  return 0;
}

int procstat_group(int pgid, procstat_proc *procs, size_t max, procstat_total *tot, char *err,
                   size_t errlen) {
  memset(tot, 0, sizeof *tot);
  DIR *d = opendir("/proc");
  if (!d) {
    snprintf(err, errlen, "cannot open /proc: %s", strerror(errno));
    return -1;
  }
  int found = 0;
  struct dirent *e;
  char path[300], buf[1024]; /* d_name is at most 255 bytes */
  while ((e = readdir(d)) != NULL) {
    if (!isdigit((unsigned char)e->d_name[0]))
      continue;
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    ssize_t n = read_small(path, buf, sizeof buf);
    procstat_proc p;
    if (n <= 0 || procstat_parse_stat(buf, (size_t)n, &p) != 0 || p.pgrp != pgid)
      continue; /* gone between readdir and read, or another group */
    if (procs && (size_t)found < max)
      procs[found] = p;
    found++;
    tot->procs++;
    tot->rss_bytes += p.rss_bytes;
    tot->cpu_s += p.cpu_s;
    tot->threads += p.threads;
  }
  closedir(d);
  return found;
}
