/* omni.core.clock: monotonic and wall time in nanoseconds, sleep, and the
 * wake-up probe (the machine's scheduling noise during a measurement). */
#include <lauxlib.h>

#include "clock.h"
#include "lua_push.h"
#include "wake_probe.h"

#define PROBE_MT "omni.core.clock.WakeProbe"

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

/* clock.wake_probe([period_s = 0.001]) -> probe, or nil, err */
static int clock_wake_probe_l(lua_State *L) {
  lua_Number period = luaL_optnumber(L, 1, 0.001);
  luaL_argcheck(L, period >= 0.0001 && period <= 1, 1, "period must be in [0.0001, 1] seconds");
  wake_probe **ud = lua_newuserdatauv(L, sizeof *ud, 0);
  *ud = NULL;
  luaL_setmetatable(L, PROBE_MT);
  if (!(*ud = wake_probe_start((int64_t)(period * 1e9))))
    return push_fail(L, "cannot start the wake-up probe's thread", "ENOMEM");
  return 1;
}

/* probe:stop() -> {samples, p50_ms, p99_ms, max_ms}; nil when already stopped */
static int probe_stop(lua_State *L) {
  wake_probe **ud = luaL_checkudata(L, 1, PROBE_MT);
  if (!*ud) {
    lua_pushnil(L);
    return 1;
  }
  wake_probe_stats s;
  wake_probe_stop(*ud, &s);
  *ud = NULL;
  lua_createtable(L, 0, 4);
  set_int_field(L, "samples", s.samples);
  set_num_field(L, "p50_ms", s.p50_ms);
  set_num_field(L, "p99_ms", s.p99_ms);
  set_num_field(L, "max_ms", s.max_ms);
  return 1;
}

static int probe_gc(lua_State *L) {
  wake_probe **ud = luaL_checkudata(L, 1, PROBE_MT);
  wake_probe_stop(*ud, NULL);
  *ud = NULL;
  return 0;
}

static const luaL_Reg clock_functions[] = {{"now_ns", clock_now_l},
                                           {"wall_ns", clock_wall_l},
                                           {"sleep", clock_sleep_l},
                                           {"wake_probe", clock_wake_probe_l},
                                           {NULL, NULL}};
static const luaL_Reg probe_methods[] = {{"stop", probe_stop}, {NULL, NULL}};
static const luaL_Reg probe_meta[] = {{"__gc", probe_gc}, {"__close", probe_gc}, {NULL, NULL}};

int luaopen_omni_core_clock(lua_State *L) {
  luaL_newmetatable(L, PROBE_MT);
  luaL_setfuncs(L, probe_meta, 0);
  luaL_newlib(L, probe_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, clock_functions);
  return 1;
}
