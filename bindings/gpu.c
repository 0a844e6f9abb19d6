/*
 * omni.core.gpu: the CUDA runtime (core/gpu*.c) for Lua. Expected failures
 * return nil, message, code; with no usable GPU the message is
 * "no usable GPU: <reason>" and the code "ENOGPU".
 */
#include <lauxlib.h>
#include <string.h>

#include "gpu.h"
#include "lua_push.h"

#define SAMPLER_MT "omni.gpu.sampler"
#define HOG_MT "omni.gpu.hog"

typedef struct {
  gpu_sampler *s;
} sampler_ud;
typedef struct {
  gpu_hog *h;
  int device;
  lua_Integer bytes;
} hog_ud;

static int push_error(lua_State *L, const char *why, const char *code) {
  lua_pushnil(L);
  if (code && strcmp(code, "ENOGPU") == 0)
    lua_pushfstring(L, "no usable GPU: %s", why);
  else
    lua_pushstring(L, why);
  lua_pushstring(L, code ? code : "ECUDA");
  return 3;
}

/* gpu.available() -> true | false, "no usable GPU: <reason>" */
static int gpu_available_l(lua_State *L) {
  char why[1024];
  const char *code = NULL;
  int count;
  if (gpu_device_count(&count, why, sizeof why, &code) != 0) {
    lua_pushboolean(L, 0);
    lua_pushfstring(L, "no usable GPU: %s", why);
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* gpu.devices() -> {{index, name, total_bytes, free_bytes, used_bytes}...} | nil, err, code */
static int gpu_devices_l(lua_State *L) {
  char why[1024];
  const char *code = NULL;
  int count;
  if (gpu_device_count(&count, why, sizeof why, &code) != 0)
    return push_error(L, why, code);
  lua_createtable(L, count, 0); // [list]
  for (int i = 0; i < count; i++) {
    gpu_device_info info;
    if (gpu_device_info_get(i, &info, why, sizeof why, &code) != 0)
      return push_error(L, why, code);
    lua_createtable(L, 0, 5); // [list, dev]
    set_int_field(L, "index", info.index);
    set_str_field(L, "name", info.name);
    set_int_field(L, "total_bytes", (lua_Integer)info.total_bytes);
    set_int_field(L, "free_bytes", (lua_Integer)info.free_bytes);
    set_int_field(L, "used_bytes", (lua_Integer)info.used_bytes);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* gpu.memory(index) -> {total, free, used} | nil, err, code */
static int gpu_memory_l(lua_State *L) {
  int index = (int)luaL_checkinteger(L, 1);
  char why[1024];
  const char *code = NULL;
  uint64_t total, free_bytes;
  if (gpu_memory(index, &total, &free_bytes, why, sizeof why, &code) != 0)
    return push_error(L, why, code);
  lua_createtable(L, 0, 3);
  set_int_field(L, "total", (lua_Integer)total);
  set_int_field(L, "free", (lua_Integer)free_bytes);
  set_int_field(L, "used", (lua_Integer)(total - free_bytes));
  return 1;
}

/* gpu.versions() -> {driver, runtime, library} | nil, err, code */
static int gpu_versions_l(lua_State *L) {
  char why[1024];
  const char *code = NULL;
  int driver, runtime;
  if (gpu_versions(&driver, &runtime, why, sizeof why, &code) != 0)
    return push_error(L, why, code);
  lua_createtable(L, 0, 3);
  set_int_field(L, "driver", driver);
  set_int_field(L, "runtime", runtime);
  set_str_field(L, "library", gpu_runtime_path());
  return 1;
}

/* gpu._use_runtime(path | nil) -> true | nil, err, "EBUSY" (tests only) */
static int gpu_use_runtime_l(lua_State *L) {
  const char *path = luaL_optstring(L, 1, NULL);
  char why[1024];
  const char *code = NULL;
  if (gpu_use_runtime(path, why, sizeof why, &code) != 0)
    return push_error(L, why, code);
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- sampler ---- */

static sampler_ud *check_sampler(lua_State *L) {
  sampler_ud *u = luaL_checkudata(L, 1, SAMPLER_MT);
  if (!u->s)
    luaL_error(L, "attempt to use a closed sampler");
  return u;
}

/* gpu.sampler(interval_s) -> sampler | nil, err, code */
static int gpu_sampler_l(lua_State *L) {
  double interval = luaL_checknumber(L, 1);
  luaL_argcheck(L, interval > 0, 1, "interval must be > 0");
  sampler_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->s = NULL; /* closed until started */
  luaL_setmetatable(L, SAMPLER_MT);
  char why[1024];
  const char *code = NULL;
  if (gpu_sampler_start(interval, &u->s, why, sizeof why, &code) != 0)
    return push_error(L, why, code);
  return 1;
}

static int sampler_stop_l(lua_State *L) {
  gpu_sampler_stop(check_sampler(L)->s);
  return 0;
}

static int sampler_count_l(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)gpu_sampler_count(check_sampler(L)->s));
  return 1;
}

/* sampler:samples([first]) -> {{t_ns, used_bytes = {dev0, dev1, ...}}...} from the
 * first-th sample (1-based, default 1) */
static int sampler_samples_l(lua_State *L) {
  gpu_sampler *s = check_sampler(L)->s;
  lua_Integer first = luaL_optinteger(L, 2, 1);
  luaL_argcheck(L, first >= 1, 2, "first must be >= 1");
  int devices = gpu_sampler_devices(s);
  size_t n = gpu_sampler_count(s);
  lua_createtable(L, n >= (size_t)first ? (int)(n - first + 1) : 0, 0);
  uint64_t used[devices > 0 ? devices : 1];
  for (size_t i = (size_t)first - 1; i < n; i++) {
    int64_t t;
    if (gpu_sampler_get(s, i, &t, used) != 0)
      break;
    lua_createtable(L, 0, 2); // [list, sample]
    set_int_field(L, "t_ns", t);
    lua_createtable(L, devices, 0); // [list, sample, used]
    for (int d = 0; d < devices; d++) {
      lua_pushinteger(L, (lua_Integer)used[d]);
      lua_rawseti(L, -2, d + 1);
    }
    lua_setfield(L, -2, "used_bytes");
    lua_rawseti(L, -2, (lua_Integer)(i - first + 2));
  }
  return 1;
}

/* sampler:error() -> message | nil: the CUDA error that ended sampling */
static int sampler_error_l(lua_State *L) {
  char why[1024];
  if (gpu_sampler_error(check_sampler(L)->s, why, sizeof why) == 0)
    return 0;
  lua_pushstring(L, why);
  return 1;
}

static int sampler_close_l(lua_State *L) {
  sampler_ud *u = luaL_checkudata(L, 1, SAMPLER_MT);
  gpu_sampler_free(u->s);
  u->s = NULL;
  return 0;
}

/* ---- hog ---- */

/* gpu.hog(device, bytes, seconds) -> hog | nil, err, code; seconds <= 0: until released */
static int gpu_hog_l(lua_State *L) {
  int device = (int)luaL_checkinteger(L, 1);
  lua_Integer bytes = luaL_checkinteger(L, 2);
  double seconds = luaL_optnumber(L, 3, 0);
  luaL_argcheck(L, bytes > 0, 2, "bytes must be > 0");
  hog_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->h = NULL;
  u->device = device;
  u->bytes = bytes;
  luaL_setmetatable(L, HOG_MT);
  char why[1024];
  const char *code = NULL;
  if (gpu_hog_start(device, (uint64_t)bytes, seconds, &u->h, why, sizeof why, &code) != 0)
    return push_error(L, why, code);
  return 1;
}

/* hog:held() -> true while the memory is held */
static int hog_held_l(lua_State *L) {
  hog_ud *u = luaL_checkudata(L, 1, HOG_MT);
  lua_pushboolean(L, u->h && gpu_hog_held(u->h));
  return 1;
}

/* hog:release(): frees the memory now; harmless twice; also __gc and __close */
static int hog_release_l(lua_State *L) {
  hog_ud *u = luaL_checkudata(L, 1, HOG_MT);
  gpu_hog_free(u->h);
  u->h = NULL;
  return 0;
}

/* hog.bytes, hog.device, then the methods */
static int hog_index_l(lua_State *L) {
  hog_ud *u = luaL_checkudata(L, 1, HOG_MT);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "bytes") == 0)
    lua_pushinteger(L, u->bytes);
  else if (strcmp(k, "device") == 0)
    lua_pushinteger(L, u->device);
  else if (luaL_getmetafield(L, 1, "methods") != LUA_TNIL)
    lua_getfield(L, -1, k); // [methods, method]
  else
    lua_pushnil(L);
  return 1;
}

static const luaL_Reg gpu_functions[] = {{"available", gpu_available_l},
                                         {"devices", gpu_devices_l},
                                         {"memory", gpu_memory_l},
                                         {"versions", gpu_versions_l},
                                         {"sampler", gpu_sampler_l},
                                         {"hog", gpu_hog_l},
                                         {"_use_runtime", gpu_use_runtime_l},
                                         {NULL, NULL}};
static const luaL_Reg sampler_methods[] = {
    {"stop", sampler_stop_l},   {"count", sampler_count_l}, {"samples", sampler_samples_l},
    {"error", sampler_error_l}, {"close", sampler_close_l}, {NULL, NULL}};
static const luaL_Reg sampler_meta[] = {
    {"__gc", sampler_close_l}, {"__close", sampler_close_l}, {NULL, NULL}};
static const luaL_Reg hog_methods[] = {
    {"held", hog_held_l}, {"release", hog_release_l}, {"close", hog_release_l}, {NULL, NULL}};
static const luaL_Reg hog_meta[] = {
    {"__gc", hog_release_l}, {"__close", hog_release_l}, {"__index", hog_index_l}, {NULL, NULL}};

static void create_meta(lua_State *L) {
  luaL_newmetatable(L, SAMPLER_MT);
  luaL_setfuncs(L, sampler_meta, 0);
  luaL_newlib(L, sampler_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newmetatable(L, HOG_MT);
  luaL_setfuncs(L, hog_meta, 0);
  luaL_newlib(L, hog_methods);
  lua_setfield(L, -2, "methods");
  lua_pop(L, 1);
}

int luaopen_omni_core_gpu(lua_State *L) {
  create_meta(L);
  luaL_newlib(L, gpu_functions);
#ifdef OMNILUA_HAVE_CUDA
  lua_pushboolean(L, 1);
#else
  lua_pushboolean(L, 0);
#endif
  lua_setfield(L, -2, "built_with_cuda");
  return 1;
}
