/*
 * omni.core.fs: the few file-system calls Lua's io library lacks
 * (list a folder, stat, mkdir -p, realpath).
 */
#include <errno.h>
#include <lauxlib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "lua_push.h"

static int fail(lua_State *L, const char *what, const char *path, int err) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s %s: %s", what, path, strerror(err));
  lua_pushstring(L, err == ENOENT ? "ENOENT" : err == EACCES ? "EACCES" : "EIO");
  return 3;
}

static void add_name(const char *name, void *ud) {
  lua_State *L = ud;
  lua_pushstring(L, name);
  lua_rawseti(L, -2, (lua_Integer)luaL_len(L, -2) + 1);
}

/* fs.list(dir) -> {names...} sorted | nil, err */
static int fs_list_l(lua_State *L) {
  const char *dir = luaL_checkstring(L, 1);
  lua_newtable(L);
  int err = fs_list(dir, add_name, L);
  if (err != 0)
    return fail(L, "cannot list", dir, err);
  return 1;
}

/* fs.stat(path) -> {type = "file"|"directory"|"other", size, mtime_ns} | nil, err */
static int fs_stat_l(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  fs_stat st;
  int err = fs_stat_path(path, &st);
  if (err != 0)
    return fail(L, "cannot stat", path, err);
  lua_createtable(L, 0, 3);
  set_str_field(L, "type", st.type == 'f' ? "file" : st.type == 'd' ? "directory" : "other");
  set_int_field(L, "size", st.size);
  set_int_field(L, "mtime_ns", st.mtime_ns);
  return 1;
}

static int fs_mkdir_l(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  int err = fs_mkdir_p(path);
  if (err != 0)
    return fail(L, "cannot create folder", path, err);
  lua_pushboolean(L, 1);
  return 1;
}

static int fs_realpath_l(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  char buf[PATH_MAX];
  if (realpath(path, buf) == NULL)
    return fail(L, "cannot resolve", path, errno);
  lua_pushstring(L, buf);
  return 1;
}

static int fs_cwd_l(lua_State *L) {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof buf) == NULL)
    return fail(L, "cannot get", "working directory", errno);
  lua_pushstring(L, buf);
  return 1;
}

static int fs_remove_l(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  if (unlink(path) != 0 && rmdir(path) != 0)
    return fail(L, "cannot remove", path, errno);
  lua_pushboolean(L, 1);
  return 1;
}

static const luaL_Reg fs_functions[] = {{"list", fs_list_l},   {"stat", fs_stat_l},
                                        {"mkdir", fs_mkdir_l}, {"realpath", fs_realpath_l},
                                        {"cwd", fs_cwd_l},     {"remove", fs_remove_l},
                                        {NULL, NULL}};

int luaopen_omni_core_fs(lua_State *L) {
  luaL_newlib(L, fs_functions);
  return 1;
}
