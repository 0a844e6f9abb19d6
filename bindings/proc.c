/*
 * omni.core.proc: spawn, wait and signal child processes (core/proc.c).
 * The public API with process objects is stdlib/omni/proc.lua.
 */
#include <errno.h>
#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "proc.h"

static const char *errno_code(int err) {
  switch (err) {
  case ENOENT:
    return "ENOENT";
  case EACCES:
    return "EACCES";
  case ESRCH:
    return "ESRCH";
  case ECHILD:
    return "ECHILD";
  default:
    return "EIO";
  }
}

static int fail(lua_State *L, const char *what, const char *on, int err) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s %s: %s", what, on, strerror(err));
  lua_pushstring(L, errno_code(err));
  return 3;
}

static const char *const sig_names[] = {"TERM", "KILL", "INT",  "HUP",  "STOP", "CONT",
                                        "USR1", "USR2", "QUIT", "ABRT", NULL};
static const int sig_numbers[] = {SIGTERM, SIGKILL, SIGINT,  SIGHUP,  SIGSTOP,
                                  SIGCONT, SIGUSR1, SIGUSR2, SIGQUIT, SIGABRT};

static const char *opt_string(lua_State *L, int t, const char *key) {
  lua_getfield(L, t, key);
  const char *s = lua_isnil(L, -1) ? NULL : luaL_checkstring(L, -1);
  lua_pop(L, 1); /* the string stays alive: it is referenced by the options table */
  return s;
}

static int opt_bool(lua_State *L, int t, const char *key) {
  lua_getfield(L, t, key);
  int b = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return b;
}

/* opts.die_with_parent: nil/false -> 0 (none), true -> SIGTERM (a server
 * gets to stop its own children; KILL would orphan them), or a signal name
 * ("KILL", ...) or number. */
static int opt_death_signal(lua_State *L, int t) {
  int sig = -1;
  lua_getfield(L, t, "die_with_parent");
  if (lua_isnil(L, -1) || lua_isboolean(L, -1)) {
    sig = lua_toboolean(L, -1) ? SIGTERM : 0;
  } else if (lua_isinteger(L, -1)) {
    lua_Integer n = lua_tointeger(L, -1);
    sig = n >= 1 && n < NSIG ? (int)n : -1;
  } else if (lua_type(L, -1) == LUA_TSTRING) {
    const char *name = lua_tostring(L, -1);
    for (int i = 0; sig_names[i] != NULL; i++) {
      if (strcmp(name, sig_names[i]) == 0)
        sig = sig_numbers[i];
    }
  }
  if (sig < 0)
    return luaL_error(
        L,
        "bad argument #2 to 'spawn' (die_with_parent must be a boolean, a signal name "
        "such as \"KILL\" or a signal number, got %s)",
        luaL_tolstring(L, -1, NULL));
  lua_pop(L, 1);
  return sig;
}

/* spawn(argv, opts) -> pid | nil, message, code */
static int proc_spawn_l(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  if (lua_isnoneornil(L, 2)) {
    lua_settop(L, 1);
    lua_newtable(L);
  }
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_Integer argc = luaL_len(L, 1);
  luaL_argcheck(L, argc >= 1, 1, "argv must hold at least the program");
  /* arrays live in userdata so that an error below leaks nothing */
  const char **argv = lua_newuserdatauv(L, sizeof(char *) * (size_t)(argc + 1), 0);
  for (lua_Integer i = 1; i <= argc; i++) {
    lua_rawgeti(L, 1, i);
    if (!lua_isstring(L, -1))
      return luaL_error(L, "bad argument #1 to 'spawn' (argv[%d] must be a string)", (int)i);
    lua_pushvalue(L, -1);
    lua_rawseti(L, 1, i); /* keeps the converted string referenced */
    argv[i - 1] = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  argv[argc] = NULL;
  lua_getfield(L, 2, "env"); /* [argv_ud, env] */
  int nenv = 0;
  if (lua_istable(L, -1)) {
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      nenv++;
      lua_pop(L, 1);
    }
  }
  const char **env = lua_newuserdatauv(L, sizeof(char *) * (size_t)(nenv + 1), 1);
  lua_newtable(L); /* keeps the "K=V" strings alive */
  lua_setiuservalue(L, -2, 1);
  int k = 0;
  if (lua_istable(L, -2)) {
    lua_getiuservalue(L, -1, 1); /* [argv_ud, env, env_ud, keep] */
    lua_pushnil(L);
    while (lua_next(L, -4)) {
      const char *key = luaL_checkstring(L, -2);
      const char *val = luaL_tolstring(L, -1, NULL);
      env[k] = lua_pushfstring(L, "%s=%s", key, val); /* [keep, key, val, val_s, kv] */
      lua_rawseti(L, -5, k + 1);
      k++;
      lua_pop(L, 2);
    }
    lua_pop(L, 1);
  }
  env[k] = NULL;
  proc_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.argv = argv;
  spec.env = env;
  spec.cwd = opt_string(L, 2, "cwd");
  spec.stdin_path = opt_string(L, 2, "stdin");
  spec.stdout_path = opt_string(L, 2, "stdout");
  spec.stderr_path = opt_string(L, 2, "stderr");
  spec.append = opt_bool(L, 2, "append");
  lua_getfield(L, 2, "new_group");
  spec.new_group = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
  lua_pop(L, 1);
  spec.death_signal = opt_death_signal(L, 2);
  int err = 0;
  pid_t pid = proc_spawn(&spec, &err);
  if (pid < 0)
    return fail(L, "cannot run", argv[0], err);
  lua_pushinteger(L, pid);
  return 1;
}

static void push_status(lua_State *L, int status, int *n) {
  if (WIFSIGNALED(status)) {
    lua_pushliteral(L, "signal");
    lua_pushinteger(L, WTERMSIG(status));
    lua_pushstring(L, strsignal(WTERMSIG(status)));
    *n = 3;
  } else {
    lua_pushliteral(L, "exit");
    lua_pushinteger(L, WEXITSTATUS(status));
    *n = 2;
  }
}

/* wait(pid, timeout_s?) -> "exit", code | "signal", signo, name | nil, "timeout" | nil, err, code
 */
static int proc_wait_l(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  lua_Number t = luaL_optnumber(L, 2, -1);
  int status = 0;
  int r = proc_wait(pid, t < 0 ? -1 : (int64_t)(t * 1e9), &status);
  if (r < 0)
    return fail(L, "cannot wait for", lua_tostring(L, 1), errno);
  if (r == 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "timeout");
    return 2;
  }
  int n;
  push_status(L, status, &n);
  return n;
}

/* kill(pid, sig ("TERM", "KILL", ... or a number), group?) -> true | nil, err, code */
static int proc_kill_l(lua_State *L) {
  pid_t pid = (pid_t)luaL_checkinteger(L, 1);
  int sig;
  if (lua_isinteger(L, 2))
    sig = (int)lua_tointeger(L, 2);
  else
    sig = sig_numbers[luaL_checkoption(L, 2, "TERM", sig_names)];
  luaL_argcheck(L, pid > 1, 1, "refusing to signal pid <= 1");
  if (kill(lua_toboolean(L, 3) ? -pid : pid, sig) != 0)
    return fail(L, "cannot signal", lua_tostring(L, 1), errno);
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg proc_functions[] = {
    {"spawn", proc_spawn_l}, {"wait", proc_wait_l}, {"kill", proc_kill_l}, {NULL, NULL}};

int luaopen_omni_core_proc(lua_State *L) {
  luaL_newlib(L, proc_functions);
  return 1;
}
