#ifndef OMNILUA_SUPERVISOR_H
#define OMNILUA_SUPERVISOR_H
/*
 * The runner's supervisor: worker processes forked after collection, the
 * pipes that carry batches and results, per-test deadlines and the kills that
 * enforce them. Everything here is plain POSIX; the Lua side decides what
 * runs where (stdlib/omni/runner/), this file makes sure it stops on time.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct sup_worker {
  pid_t pid;          /* also its process group id (workers lead their group) */
  int to_fd;          /* parent -> worker (commands) */
  int from_fd;        /* worker -> parent (result lines) */
  char *buf;          /* bytes read from the worker */
  size_t len, cap;    /* filled and allocated size of buf */
  size_t done;        /* bytes of buf already handed out as lines */
  int64_t stop_at_ns; /* deadline of the running test: SIGUSR1 then; 0 = none */
  int64_t kill_at_ns; /* after a stop: SIGKILL to the group then; 0 = none */
  int64_t grace_ns;   /* from the stop to the kill */
  int eof;            /* 1: the pipe from the worker is closed; 2: exit reported */
  int exited;         /* reaped: status below is valid */
  int status;         /* waitpid status */
} sup_worker;

/* What sup_poll reports, one per event. */
typedef enum { SUP_LINE, SUP_STOP, SUP_KILL, SUP_EXIT } sup_event_kind;

typedef struct sup_event {
  sup_event_kind kind;
  int worker;       /* index into the array given to sup_poll */
  const char *line; /* SUP_LINE: points into a buffer valid until the next sup_poll */
  size_t line_len;
} sup_event;

/* Parent set-up, once: become a child subreaper (orphans of tests come back
 * to us and can be killed), catch SIGINT/SIGTERM/SIGHUP into a flag. */
int sup_parent_init(void);
/* The signal that interrupted the run (SIGINT, SIGTERM...), or 0. */
int sup_interrupted(void);

/* Forks a worker. In the parent returns the child's pid (> 0) and fills w; in
 * the child returns 0 with *in_fd / *out_fd set to its ends of the pipes, the
 * child already in its own process group and set to die with the parent.
 * -1 with errno on failure. */
pid_t sup_fork(sup_worker *w, int *in_fd, int *out_fd);

/* Writes all of data to the worker; 0 or an errno value. */
int sup_send(sup_worker *w, const char *data, size_t len);

/* Arms the deadline of the running test: after timeout_ns the worker gets
 * SIGUSR1 (a Lua-level stop, so teardown runs) and grace_ns later its whole
 * process group gets SIGKILL. timeout_ns <= 0 disarms. */
void sup_arm(sup_worker *w, int64_t timeout_ns, int64_t grace_ns);
/* Stops the worker now (SIGUSR1) and kills its group after grace_ns. */
void sup_stop_now(sup_worker *w, int64_t grace_ns);

/* Waits up to timeout_ns (< 0: forever) for lines, deadlines and exits of the
 * n workers; fills at most max events and returns how many (0 on timeout or
 * when a signal interrupted the wait), -1 on error. Exited workers and
 * reparented orphans are reaped here. */
int sup_poll(sup_worker *ws, int n, int64_t timeout_ns, sup_event *events, int max);

/* SIGKILL to a process group; 0 or an errno value (ESRCH: already gone). */
int sup_kill_group(pid_t pgid, int sig);
/* Closes the pipes and frees buffers; the process must be reaped already. */
void sup_release(sup_worker *w);
/* Reaps every exited child that is not a worker (orphans we inherited). */
void sup_reap_orphans(void);

/* Worker side: caps the data segment (RLIMIT_DATA) at bytes; 0 or errno.
 * Not RLIMIT_AS: CUDA reserves huge PROT_NONE ranges of address space; since
 * Linux 4.7 RLIMIT_DATA counts private writable mappings (malloc, mmap of
 * anonymous memory) and not such reservations. */
int sup_limit_memory(uint64_t bytes);
/* Worker side: points fd 1 and 2 at fresh files (capture); 0 or errno. */
int sup_capture_start(const char *out_path, const char *err_path);
/* Worker side: takes what was written to fd (1 or 2) since the last take.
 * Returns a malloc'd buffer (caller frees) and its length, NULL when empty. */
char *sup_capture_take(int fd, size_t *len);

#endif
