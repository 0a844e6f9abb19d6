#ifndef OMNILUA_PROC_H
#define OMNILUA_PROC_H
/*
 * Child processes for tests and fixtures (omni.proc): spawn with arguments,
 * extra environment, working folder, output files and an own process group;
 * wait with a timeout; signal one process or its whole group; optionally a
 * signal the child gets when its spawner dies, even by SIGKILL.
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
  /* 0: none. Else the signal the child (its leader only, not its own
   * children) receives when the *thread* that spawned it ends, however it
   * ends (PR_SET_PDEATHSIG, kept across exec except for set-user-ID or
   * file-capability programs). Nothing escalates it: a child that ignores
   * it lives on. Spawn from a thread that lives as long as the process. */
  int death_signal;
} proc_spec;

/* Starts the process; returns its pid, or -1 with *err set to an errno value
 * (also when exec fails in the child: ENOENT for an unknown program). */
pid_t proc_spawn(const proc_spec *spec, int *err);

/* Waits for pid up to timeout_ns (< 0: forever). Returns 1 and the waitpid
 * status when it ended, 0 on timeout, -1 with errno on error. */
int proc_wait(pid_t pid, int64_t timeout_ns, int *status);

#endif
