/*
 * omni.core.worker: the runner's process layer (core/supervisor.c) for Lua.
 *
 * Parent side: fork workers into numbered slots, send them lines, poll for
 * their result lines, deadlines and exits. Worker side: read commands, send
 * results, capture fd 1/2, cap memory, and run test code under guard(): a
 * pcall that SIGUSR1 can stop. The stop works as lua.c's Ctrl-C does: the
 * signal handler only calls lua_sethook (signal-safe); the hook raises
 * "timed out" at every call, return, line and instruction until guard()
 * returns, so a pcall inside the test cannot swallow it.
 *
 * For the runner's own self-tests only: crash_for_test("segv"|"abort")
 * crashes the calling process the way a broken C binding would.
 */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interrupt.h"
#include "supervisor.h"

#define MAX_WORKERS 256

static sup_worker pool[MAX_WORKERS];
static int pool_used[MAX_WORKERS];

/* worker side state */
static int in_fd = -1, out_fd = -1;
static char *in_buf;
static size_t in_len, in_cap;
static lua_State *main_L;
static lua_State *volatile cur_L;
static volatile sig_atomic_t guard_depth, timed_out, stop_requested;

#define STOP_MASK (LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT)

static void stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (guard_depth > 0)
    luaL_error(L, "timed out");
  lua_sethook(L, NULL, 0, 0);
}

static void on_stop(int sig) {
  (void)sig;
  if (guard_depth == 0)
    return; /* between tests: the result is on its way */
  timed_out = 1;
  /* long waits in C (the HTTP engine) never reach a Lua hook: they look at
   * this flag at least every 100 ms and end with INTERRUPTED */
  interrupt_request();
  lua_sethook(main_L, stop_hook, STOP_MASK, 1);
  lua_State *co = cur_L;
  if (co != NULL)
    lua_sethook(co, stop_hook, STOP_MASK, 1);
}

static void on_stop_request(int sig) {
  (void)sig;
  stop_requested = 1;
}

static int check_slot(lua_State *L, int arg) {
  lua_Integer id = luaL_checkinteger(L, arg);
  luaL_argcheck(L, id >= 1 && id <= MAX_WORKERS && pool_used[id - 1], arg, "no such worker");
  return (int)id - 1;
}

static int errno_result(lua_State *L, const char *what, int err) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", what, strerror(err));
  lua_pushstring(L, err == ESRCH ? "ESRCH" : "EIO");
  return 3;
}

/* ---- parent side ---- */

static int worker_init_parent(lua_State *L) {
  int err = sup_parent_init();
  if (err != 0)
    return errno_result(L, "cannot become a subreaper", err);
  lua_pushboolean(L, 1);
  return 1;
}

/* fork() -> slot id in the parent, false in the worker */
static int worker_fork(lua_State *L) {
  int slot = -1;
  for (int i = 0; i < MAX_WORKERS; i++) {
    if (!pool_used[i]) {
      slot = i;
      break;
    }
  }
  if (slot < 0)
    return luaL_error(L, "too many workers (at most %d)", MAX_WORKERS);
  fflush(NULL); /* buffered output must not be written twice */
  int ifd, ofd;
  pid_t pid = sup_fork(&pool[slot], &ifd, &ofd);
  if (pid < 0)
    return errno_result(L, "cannot fork a worker", errno);
  if (pid == 0) {
    /* the worker needs none of its siblings' pipes */
    for (int i = 0; i < MAX_WORKERS; i++) {
      if (pool_used[i]) {
        sup_release(&pool[i]);
        pool_used[i] = 0;
      }
    }
    in_fd = ifd;
    out_fd = ofd;
    main_L = L;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_stop_request;
    sigaction(SIGUSR2, &sa, NULL);
    lua_pushboolean(L, 0);
    return 1;
  }
  pool_used[slot] = 1;
  lua_pushinteger(L, slot + 1);
  return 1;
}

static int worker_pid(lua_State *L) {
  lua_pushinteger(L, pool[check_slot(L, 1)].pid);
  return 1;
}

static int worker_send(lua_State *L) {
  int s = check_slot(L, 1);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  int err = sup_send(&pool[s], data, len);
  if (err != 0)
    return errno_result(L, "cannot write to worker", err);
  lua_pushboolean(L, 1);
  return 1;
}

/* arm(id, timeout_s, grace_s): timeout_s <= 0 disarms */
static int worker_arm(lua_State *L) {
  int s = check_slot(L, 1);
  lua_Number t = luaL_checknumber(L, 2);
  lua_Number g = luaL_optnumber(L, 3, 5);
  sup_arm(&pool[s], (int64_t)(t * 1e9), (int64_t)(g * 1e9));
  return 0;
}

/* stop(id, grace_s): SIGUSR1 now, SIGKILL to the group after grace */
static int worker_stop(lua_State *L) {
  int s = check_slot(L, 1);
  sup_stop_now(&pool[s], (int64_t)(luaL_optnumber(L, 2, 5) * 1e9));
  return 0;
}

/* request_stop(id): SIGUSR2, the worker ends its batch after the running test */
static int worker_request_stop(lua_State *L) {
  int s = check_slot(L, 1);
  kill(pool[s].pid, SIGUSR2);
  return 0;
}

static int worker_kill(lua_State *L) {
  int s = check_slot(L, 1);
  sup_kill_group(pool[s].pid, SIGKILL);
  kill(pool[s].pid, SIGKILL);
  return 0;
}

/* status(id) -> "exit", code | "signal", signo, description | nil (running) */
static int worker_status(lua_State *L) {
  sup_worker *w = &pool[check_slot(L, 1)];
  if (!w->exited)
    return 0;
  if (WIFSIGNALED(w->status)) {
    lua_pushliteral(L, "signal");
    lua_pushinteger(L, WTERMSIG(w->status));
    lua_pushstring(L, strsignal(WTERMSIG(w->status)));
    return 3;
  }
  lua_pushliteral(L, "exit");
  lua_pushinteger(L, WEXITSTATUS(w->status));
  return 2;
}

static int worker_release(lua_State *L) {
  int s = check_slot(L, 1);
  sup_release(&pool[s]);
  memset(&pool[s], 0, sizeof pool[s]);
  pool[s].to_fd = pool[s].from_fd = -1;
  pool_used[s] = 0;
  return 0;
}

static const char *kind_names[] = {"line", "stop", "kill", "exit"};

/* poll(timeout_s) -> { id1, kind1, line1|false, id2, ... } (empty on timeout
 * or interrupt): one flat list, three entries per event, so the parent
 * allocates one table per wake-up instead of one per result line */
static int worker_poll(lua_State *L) {
  lua_Number t = luaL_optnumber(L, 1, -1);
  /* slots not in use look like reported exits: sup_poll skips them */
  for (int i = 0; i < MAX_WORKERS; i++) {
    if (!pool_used[i]) {
      pool[i].eof = 2;
      pool[i].exited = 1;
      pool[i].pid = 0;
    }
  }
  int n = MAX_WORKERS;
  while (n > 0 && !pool_used[n - 1])
    n--;
  sup_event ev[512];
  int k = sup_poll(pool, n, t < 0 ? -1 : (int64_t)(t * 1e9), ev, 512);
  if (k < 0)
    return errno_result(L, "poll", errno);
  lua_createtable(L, 3 * k, 0);
  for (int i = 0; i < k; i++) {
    lua_pushinteger(L, ev[i].worker + 1);
    lua_rawseti(L, -2, 3 * i + 1);
    lua_pushstring(L, kind_names[ev[i].kind]);
    lua_rawseti(L, -2, 3 * i + 2);
    if (ev[i].kind == SUP_LINE)
      lua_pushlstring(L, ev[i].line, ev[i].line_len);
    else
      lua_pushboolean(L, 0);
    lua_rawseti(L, -2, 3 * i + 3);
  }
  return 1;
}

/* interrupted() -> signal name ("SIGINT", ...) or nil */
static int worker_interrupted(lua_State *L) {
  int sig = sup_interrupted();
  if (sig == 0)
    return 0;
  lua_pushstring(L, sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
  return 1;
}

static int worker_kill_group(lua_State *L) {
  lua_Integer pgid = luaL_checkinteger(L, 1);
  int err = sup_kill_group((pid_t)pgid, SIGKILL);
  lua_pushboolean(L, err == 0);
  return 1;
}

static int worker_reap(lua_State *L) {
  (void)L;
  sup_reap_orphans();
  return 0;
}

static int worker_cpu_count(lua_State *L) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  lua_pushinteger(L, n > 0 ? n : 1);
  return 1;
}

static int worker_isatty(lua_State *L) {
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

static int worker_getpid(lua_State *L) {
  lua_pushinteger(L, getpid());
  return 1;
}

static int worker_total_memory(lua_State *L) {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
  lua_pushinteger(L, pages > 0 && size > 0 ? (lua_Integer)pages * size : 0);
  return 1;
}

/* ---- worker side ---- */

/* recv() -> next line from the parent (without "\n"), nil at end of input */
static int worker_recv(lua_State *L) {
  luaL_argcheck(L, in_fd >= 0, 1, "not in a worker");
  for (;;) {
    char *nl = in_len ? memchr(in_buf, '\n', in_len) : NULL;
    if (nl != NULL) {
      size_t n = (size_t)(nl - in_buf);
      lua_pushlstring(L, in_buf, n);
      memmove(in_buf, nl + 1, in_len - n - 1);
      in_len -= n + 1;
      return 1;
    }
    if (in_cap - in_len < 4096) {
      size_t cap = in_cap ? in_cap * 2 : 65536;
      char *b = realloc(in_buf, cap);
      if (b == NULL)
        return luaL_error(L, "worker: out of memory reading a command");
      in_buf = b;
      in_cap = cap;
    }
    ssize_t got = read(in_fd, in_buf + in_len, in_cap - in_len);
    if (got > 0)
      in_len += (size_t)got;
    else if (got < 0 && errno == EINTR)
      continue;
    else
      return 0;
  }
}

/* reply(data): writes data (lines) to the parent */
static int worker_reply(lua_State *L) {
  size_t len;
  const char *data = luaL_checklstring(L, 1, &len);
  luaL_argcheck(L, out_fd >= 0, 1, "not in a worker");
  while (len > 0) {
    ssize_t n = write(out_fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return errno_result(L, "cannot write to the runner", errno);
    data += n;
    len -= (size_t)n;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* guard(msgh, f, ...) -> true, results... | false, err, "error"|"timeout"|"memory" */
static int worker_guard(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  guard_depth++;
  int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
  guard_depth--;
  int stopped = 0;
  if (guard_depth == 0 && timed_out) {
    lua_sethook(L, NULL, 0, 0);
    if (cur_L != NULL)
      lua_sethook(cur_L, NULL, 0, 0);
    timed_out = 0;
    interrupt_clear(); /* teardown and the next test may use the network */
    stopped = 1;
  }
  if (status == LUA_OK && !stopped) {
    lua_pushboolean(L, 1);
    lua_replace(L, 1); /* [true, results...] */
    return lua_gettop(L);
  }
  lua_pushboolean(L, 0);
  if (status == LUA_OK)
    lua_pushliteral(L, "timed out");
  else
    lua_pushvalue(L, -2); /* the error value */
  lua_pushstring(L, stopped ? "timeout" : status == LUA_ERRMEM ? "memory" : "error");
  return 3;
}

/* set_thread(co|nil): the coroutine a stop must also reach */
static int worker_set_thread(lua_State *L) {
  cur_L = lua_isthread(L, 1) ? lua_tothread(L, 1) : NULL;
  return 0;
}

static int worker_stop_requested(lua_State *L) {
  lua_pushboolean(L, stop_requested);
  return 1;
}

#if defined(__SANITIZE_ADDRESS__)
#define WORKER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WORKER_ASAN 1
#endif
#endif

/* The worker's Lua allocator, wrapped around the state's own one for two
 * jobs. (1) A sanitized build caps the Lua heap here: AddressSanitizer maps
 * terabytes of writable shadow memory, which RLIMIT_DATA (like RLIMIT_AS)
 * refuses; growth past the limit fails and Lua raises "not enough memory",
 * reported as the memory cause. (2) A worker starts with its collector
 * stopped: its heap is a copy of the parent's (every collected test), and
 * a collection cycle would mark all of it, copying every page the fork
 * shares; trivial tests never need one. Once the heap has grown by
 * gc_room bytes the normal collector resumes for good (lua_gc RESTART only
 * sets two fields of the global state, which is why it is safe here). */
static lua_Alloc base_alloc;
static void *base_ud;
static lua_State *alloc_L;
static size_t lua_used, lua_limit, gc_restart_at;

static void *worker_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  size_t old = ptr != NULL ? osize : 0; /* osize is a type tag for new blocks */
  if (nsize > old) {
    if (lua_limit && lua_used + (nsize - old) > lua_limit)
      return NULL; /* only growth may fail: Lua needs shrinking to succeed */
    if (gc_restart_at && lua_used + (nsize - old) > gc_restart_at) {
      gc_restart_at = 0;
      lua_gc(alloc_L, LUA_GCRESTART);
    }
  }
  void *p = base_alloc(base_ud, ptr, osize, nsize);
  if (p != NULL || nsize == 0)
    lua_used = lua_used - old + nsize;
  return p;
}

static void install_alloc(lua_State *L) {
  if (base_alloc != NULL)
    return;
  base_alloc = lua_getallocf(L, &base_ud);
  alloc_L = main_L != NULL ? main_L : L; /* the state, not a coroutine */
  lua_used = (size_t)lua_gc(L, LUA_GCCOUNT, 0) * 1024 + (size_t)lua_gc(L, LUA_GCCOUNTB, 0);
  lua_setallocf(L, worker_alloc, NULL);
}

/* hold_gc(room_bytes): stops the collector until the Lua heap grows by
 * room_bytes, then restarts it */
static int worker_hold_gc(lua_State *L) {
  lua_Integer room = luaL_checkinteger(L, 1);
  luaL_argcheck(L, room > 0, 1, "positive size expected");
  install_alloc(L);
  lua_gc(L, LUA_GCSTOP);
  gc_restart_at = lua_used + (size_t)room;
  return 0;
}

/* limit_memory(bytes) -> "rlimit" | "lua" (what is capped), or nil, err */
static int worker_limit_memory(lua_State *L) {
  lua_Integer bytes = luaL_checkinteger(L, 1);
#ifdef WORKER_ASAN
  if (bytes > 0) {
    install_alloc(L);
    lua_limit = (size_t)bytes;
  }
  lua_pushliteral(L, "lua");
  return 1;
#else
  int err = sup_limit_memory((uint64_t)bytes);
  if (err != 0)
    return errno_result(L, "cannot limit memory", err);
  lua_pushliteral(L, "rlimit");
  return 1;
#endif
}

static int worker_capture_start(lua_State *L) {
  const char *out = luaL_checkstring(L, 1);
  const char *err = luaL_checkstring(L, 2);
  fflush(stdout);
  fflush(stderr);
  int e = sup_capture_start(out, err);
  if (e != 0)
    return errno_result(L, "cannot capture output", e);
  lua_pushboolean(L, 1);
  return 1;
}

static void push_capture(lua_State *L, int fd) {
  size_t len;
  char *buf = sup_capture_take(fd, &len);
  if (buf == NULL) {
    lua_pushnil(L);
    return;
  }
  lua_pushlstring(L, buf, len); /* may raise: leaks buf only on OOM */
  free(buf);
}

/* capture_take() -> stdout text|nil, stderr text|nil since the last take */
static int worker_capture_take(lua_State *L) {
  fflush(stdout);
  fflush(stderr);
  push_capture(L, 1);
  push_capture(L, 2);
  return 2;
}

/* exit(code): leaves the worker at once, without running Lua's finalizers */
static int worker_exit(lua_State *L) {
  int code = (int)luaL_optinteger(L, 1, 0);
  fflush(NULL);
  _exit(code);
  return 0;
}

/* For the runner's self-tests: reserve_for_test(bytes) maps and unmaps an
 * inaccessible range the way the CUDA runtime reserves address space; true,
 * or nil and the error when the memory limit refuses it. */
static int worker_reserve_for_test(lua_State *L) {
  lua_Integer bytes = luaL_checkinteger(L, 1);
  luaL_argcheck(L, bytes > 0, 1, "positive size expected");
  void *p =
      mmap(NULL, (size_t)bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return errno_result(L, "cannot reserve address space", errno);
  munmap(p, (size_t)bytes);
  lua_pushboolean(L, 1);
  return 1;
}

/* For the runner's self-tests: crash like a broken C binding would. */
static int worker_crash_for_test(lua_State *L) {
  static const char *const how[] = {"segv", "abort", NULL};
  int which = luaL_checkoption(L, 1, NULL, how);
  fflush(NULL);
  if (which == 0) {
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
  }
  abort();
  return 0;
}

static const luaL_Reg worker_functions[] = {{"init_parent", worker_init_parent},
                                            {"fork", worker_fork},
                                            {"pid", worker_pid},
                                            {"send", worker_send},
                                            {"arm", worker_arm},
                                            {"stop", worker_stop},
                                            {"request_stop", worker_request_stop},
                                            {"kill", worker_kill},
                                            {"status", worker_status},
                                            {"release", worker_release},
                                            {"poll", worker_poll},
                                            {"interrupted", worker_interrupted},
                                            {"kill_group", worker_kill_group},
                                            {"reap", worker_reap},
                                            {"cpu_count", worker_cpu_count},
                                            {"total_memory", worker_total_memory},
                                            {"isatty", worker_isatty},
                                            {"getpid", worker_getpid},
                                            {"recv", worker_recv},
                                            {"reply", worker_reply},
                                            {"guard", worker_guard},
                                            {"set_thread", worker_set_thread},
                                            {"stop_requested", worker_stop_requested},
                                            {"limit_memory", worker_limit_memory},
                                            {"hold_gc", worker_hold_gc},
                                            {"capture_start", worker_capture_start},
                                            {"capture_take", worker_capture_take},
                                            {"exit", worker_exit},
                                            {"crash_for_test", worker_crash_for_test},
                                            {"reserve_for_test", worker_reserve_for_test},
                                            {NULL, NULL}};

int luaopen_omni_core_worker(lua_State *L) {
  luaL_newlib(L, worker_functions);
  return 1;
}
