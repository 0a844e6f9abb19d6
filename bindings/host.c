/*
 * omni.core.host: where omnilua is installed and what it is. The stdlib uses
 * it to find scripts/, stage_configs/ and to re-run its own binary (workers,
 * the dummy server).
 */
#include "host.h"

#include <lauxlib.h>
#include <limits.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef OMNILUA_VERSION
#define OMNILUA_VERSION "0.1.0"
#endif

static char root[PATH_MAX];
static char exe[PATH_MAX];
static char error_text[3 * PATH_MAX];

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A root is valid when <dir>/stdlib/omni exists. OMNILUA_PATH may also name the
 * stdlib folder itself. */
static int try_root(const char *dir) {
  char probe[PATH_MAX + 32];
  snprintf(probe, sizeof probe, "%s/stdlib/omni", dir);
  if (is_dir(probe)) {
    if (realpath(dir, root) == NULL)
      snprintf(root, sizeof root, "%s", dir);
    return 1;
  }
  snprintf(probe, sizeof probe, "%s/omni", dir);
  if (is_dir(probe)) {
    snprintf(probe, sizeof probe, "%s/..", dir);
    if (realpath(probe, root) == NULL)
      return 0;
    return 1;
  }
  return 0;
}

int host_init(const char *argv0) {
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n > 0)
    exe[n] = '\0';
  else if (realpath(argv0, exe) == NULL)
    snprintf(exe, sizeof exe, "%s", argv0);

  const char *env = getenv("OMNILUA_PATH");
  if (env != NULL && *env != '\0') {
    if (try_root(env))
      return 0;
    snprintf(error_text, sizeof error_text,
             "OMNILUA_PATH=%s holds no stdlib (expected %s/stdlib/omni)", env, env);
    return -1;
  }
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", exe);
  char *slash = strrchr(dir, '/');
  if (slash != NULL)
    *slash = '\0';
  char candidate[PATH_MAX + 32];
  if (try_root(dir))
    return 0;
  snprintf(candidate, sizeof candidate, "%s/../share/omnilua", dir);
  if (try_root(candidate))
    return 0;
  snprintf(error_text, sizeof error_text,
           "cannot find the stdlib: looked in %s/stdlib and "
           "%s/../share/omnilua/stdlib; set OMNILUA_PATH",
           dir, dir);
  return -1;
}

const char *host_error(void) { return error_text; }
const char *host_root(void) { return root; }
const char *host_exe(void) { return exe; }

void host_set_package_path(lua_State *L) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "path");
  lua_pushfstring(L, "%s/stdlib/?.lua;%s/stdlib/?/init.lua;%s", root, root, lua_tostring(L, -1));
  lua_setfield(L, -3, "path");
  lua_pop(L, 2);
}

int luaopen_cjson(lua_State *L);

#define PRELOAD(name) int luaopen_omni_core_##name(lua_State *L);
#include "preload_list.h"
#undef PRELOAD

void host_open_libs(lua_State *L) {
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "cjson");
#define PRELOAD(name)                                                                              \
  lua_pushcfunction(L, luaopen_omni_core_##name);                                                  \
  lua_setfield(L, -2, "omni.core." #name);
#include "preload_list.h"
#undef PRELOAD
  lua_pop(L, 1);
  host_set_package_path(L);
}

int luaopen_omni_core_host(lua_State *L) {
  lua_createtable(L, 0, 4);
  lua_pushstring(L, root);
  lua_setfield(L, -2, "root");
  lua_pushstring(L, exe);
  lua_setfield(L, -2, "exe");
  lua_pushliteral(L, OMNILUA_VERSION);
  lua_setfield(L, -2, "version");
#ifdef OMNILUA_HAVE_CUDA
  lua_pushboolean(L, 1);
#else
  lua_pushboolean(L, 0);
#endif
  lua_setfield(L, -2, "built_with_cuda");
  return 1;
}
