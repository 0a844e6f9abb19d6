/*
 * omnilua's entry point: creates the Lua state (host_open_libs preloads the C
 * modules) and
 * hands argv to the Lua CLI dispatcher (stdlib/omni/cli/init.lua). All command
 * logic lives in the stdlib; this file only finds it and reports what it
 * returns as the exit code.
 */
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL)
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* [argv...] -> exit code of require("omni.cli").main(argv) */
static int run_cli(lua_State *L) {
  int argc = (int)lua_tointeger(L, 1);
  char **argv = (char **)lua_touserdata(L, 2);
  lua_settop(L, 0);
  host_open_libs(L);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "omni.cli");
  lua_call(L, 1, 1);           // [cli]
  lua_getfield(L, -1, "main"); // [cli, main]
  lua_createtable(L, argc, 1); // [cli, main, args]
  for (int i = 1; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i);
  }
  lua_pushstring(L, argv[0]);
  lua_rawseti(L, -2, 0);
  lua_call(L, 1, 1);
  return 1;
}

int main(int argc, char **argv) {
  if (host_init(argv[0]) != 0) {
    fprintf(stderr, "omnilua: %s\n", host_error());
    return 3;
  }
  lua_State *L = luaL_newstate();
  if (L == NULL) {
    fprintf(stderr, "omnilua: cannot create Lua state: out of memory\n");
    return 3;
  }
  lua_pushcfunction(L, traceback);
  lua_pushcfunction(L, run_cli);
  lua_pushinteger(L, argc);
  lua_pushlightuserdata(L, argv);
  int status = lua_pcall(L, 2, 1, 1);
  int code;
  if (status != LUA_OK) {
    fprintf(stderr, "omnilua: internal error: %s\n", lua_tostring(L, -1));
    code = 3;
  } else {
    code = lua_isinteger(L, -1) ? (int)lua_tointeger(L, -1) : 0;
  }
  fflush(stdout);
  lua_close(L);
  return code;
}
