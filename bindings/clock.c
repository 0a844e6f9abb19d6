/* omni.core.clock: monotonic and wall time in nanoseconds, and sleep. */
#include <lauxlib.h>

#include "clock.h"

static int clock_now_l(lua_State *L) {
  lua_pushinteger(L, clock_now_ns());
  return 1;
}

static int clock_wall_l(lua_State *L) {
  lua_pushinteger(L, clock_wall_ns());
  return 1;
}

/* clock.sleep(seconds) */
static int clock_sleep_l(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0, 1, "seconds must be >= 0");
  clock_sleep_ns((int64_t)(s * 1e9));
  return 0;
}

static const luaL_Reg clock_functions[] = {
    {"now_ns", clock_now_l}, {"wall_ns", clock_wall_l}, {"sleep", clock_sleep_l}, {NULL, NULL}};

int luaopen_omni_core_clock(lua_State *L) {
  luaL_newlib(L, clock_functions);
  return 1;
}
