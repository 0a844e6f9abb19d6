#ifndef OMNILUA_PROC_H
#define OMNILUA_PROC_H
/*
 * Child processes for tests and fixtures (omni.proc): spawn with arguments,
 * extra environment, working folder, output files and an own process group;
 * wait with a timeout; signal one process or its whole group.
 */
#include <stdint.h>
#include <sys/types.h>

typedef struct proc_spec {
  const char *const *argv; /* argv[0] is looked up in PATH */
  const char *const *env;  /* "K=V" entries added to (or replacing in) the environment */
  const char *cwd;         /* NULL: inherit */
  const char *stdin_path;  /* NULL: /dev/null */
  const char *stdout_path; /* NULL: inherit */
  const char *stderr_path; /* NULL: inherit; same path as stdout: one shared file */
  int append;              /* open the output files for appending */
  int new_group;           /* the child leads a new process group */
} proc_spec;

/* Starts the process; returns its pid, or -1 with *err set to an errno value
 * (also when exec fails in the child: ENOENT for an unknown program). */
pid_t proc_spawn(const proc_spec *spec, int *err);

/* Waits for pid up to timeout_ns (< 0: forever). Returns 1 and the waitpid
 * status when it ended, 0 on timeout, -1 with errno on error. */
int proc_wait(pid_t pid, int64_t timeout_ns, int *status);

#endif
