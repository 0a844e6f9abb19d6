/*
 * Resource use of processes read from /proc: resident memory and CPU time of
 * one process, of every process in a process group, and a sampler thread
 * that records the group's totals at a fixed interval (the soak's view of the
 * server: a model server is a group of processes, and a leak may be in any).
 * No Lua here.
 */
#ifndef OMNILUA_PROCSTAT_H
#define OMNILUA_PROCSTAT_H
#include <stddef.h>
#include <stdint.h>

typedef struct procstat_proc {
  int pid, ppid, pgrp;
  char state;    /* R, S, D, Z, T, ... */
  char comm[32]; /* the name in parentheses, truncated */
  uint64_t rss_bytes;
  double cpu_s; /* user + system time, seconds */
  int threads;
  uint64_t start_ticks; /* start time since boot, clock ticks: tells a reused pid apart */
} procstat_proc;

typedef struct procstat_total {
  int procs;
  uint64_t rss_bytes;
  double cpu_s;
  int threads;
} procstat_total;

/* Parses the text of /proc/<pid>/stat. 0, or -1 when it is not one. */
int procstat_parse_stat(const char *text, size_t len, procstat_proc *out);

/* Reads /proc/<pid>/stat. 0, or -1 with errno-style code ("ESRCH" when the
 * process is gone) and a message. */
int procstat_read(int pid, procstat_proc *out, char *err, size_t errlen, const char **code);

/* Every process whose process group is pgid: their sum in *tot, and the
 * first `max` of them in procs (may be NULL). Zombies count as processes
 * with no memory. Returns the number found (0: the group is gone), or -1
 * when /proc cannot be read. */
int procstat_group(int pgid, procstat_proc *procs, size_t max, procstat_total *tot, char *err,
                   size_t errlen);

typedef struct procstat_sample {
  int64_t t_ns; /* monotonic */
  int pgid;
  procstat_total total;
} procstat_sample;

typedef struct procstat_sampler procstat_sampler;

/* Starts a thread that samples the group now and then every interval_s
 * (floor 1 ms). 0, or -1 with a message. */
int procstat_sampler_start(int pgid, double interval_s, procstat_sampler **out, char *err,
                           size_t errlen);
/* Samples the next ticks from another group (a restarted server). */
void procstat_sampler_set_group(procstat_sampler *s, int pgid);
/* Moves up to max samples taken so far (oldest first) to out and forgets
 * them, so that a week-long sampler holds only what was not yet drained. */
size_t procstat_sampler_drain(procstat_sampler *s, procstat_sample *out, size_t max);
/* Samples lost because nobody drained them (the buffer is bounded). */
uint64_t procstat_sampler_dropped(procstat_sampler *s);
/* Stops and joins the thread; the samples stay drainable. Idempotent. */
void procstat_sampler_stop(procstat_sampler *s);
void procstat_sampler_free(procstat_sampler *s);

#endif
