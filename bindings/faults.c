/*
 * omni.core.faults: the fault proxy, the CPU hog and process signals
 * (core/fault_*.c) for Lua, plus two helpers for omnilua's own tests
 * (_echo_server, _connect: Lua has no sockets). omni.faults wraps this.
 */
#include <errno.h>
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fault_cpu_hog.h"
#include "fault_process.h"
#include "fault_proxy.h"
#include "fault_testnet.h"
#include "lua_push.h"

#define PROXY_MT "omni.faults.proxy"
#define CPU_HOG_MT "omni.faults.cpu_hog"
#define ECHO_MT "omni.faults.echo_server"
#define CONN_MT "omni.faults.test_connection"

typedef struct {
  fault_proxy *p;
} proxy_ud;
typedef struct {
  fault_cpu_hog *h;
  int threads;
} cpu_hog_ud;
typedef struct {
  fault_echo *e;
} echo_ud;
typedef struct {
  int fd;
} conn_ud;

static const char *errno_code(int err) {
  switch (err) {
  case ECONNRESET:
    return "ECONNRESET";
  case ECONNREFUSED:
    return "ECONNREFUSED";
  case ETIMEDOUT:
    return "ETIMEDOUT";
  case EPIPE:
    return "EPIPE";
  default:
    return "EIO";
  }
}

/* For metatables whose __index is a function: the "methods" field. */
static int push_method(lua_State *L, const char *key) {
  if (luaL_getmetafield(L, 1, "methods") == LUA_TNIL) {
    lua_pushnil(L);
    return 1;
  }
  lua_getfield(L, -1, key); // [methods, method]
  return 1;
}

/* ---- proxy ---- */

static fault_proxy *check_proxy(lua_State *L) {
  proxy_ud *u = luaL_checkudata(L, 1, PROXY_MT);
  if (!u->p)
    luaL_error(L, "attempt to use a closed proxy");
  return u->p;
}

/* faults.proxy(listen, target) -> proxy | nil, err, code */
static int faults_proxy_l(lua_State *L) {
  const char *listen_addr = luaL_checkstring(L, 1);
  const char *target = luaL_checkstring(L, 2);
  proxy_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->p = NULL;
  luaL_setmetatable(L, PROXY_MT);
  char why[512];
  const char *code = "EIO";
  if (fault_proxy_start(listen_addr, target, &u->p, why, sizeof why, &code) != 0)
    return push_fail(L, why, code);
  return 1;
}

static int64_t opt_nonneg(lua_State *L, const char *key, double scale) {
  lua_Number v = luaL_checknumber(L, -1);
  if (v < 0)
    luaL_error(L, "bad option '%s' to 'set' (must be >= 0)", key);
  return (int64_t)(v * scale);
}

/* proxy:set{latency_ms, jitter_ms, bandwidth_bps, reset, blackhole, drop_after_bytes,
 * seed, direction}: changes the given settings, keeps the others. */
static int proxy_set_l(lua_State *L) {
  fault_proxy *p = check_proxy(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  fault_settings s;
  fault_proxy_get(p, &s);
  lua_pushnil(L);
  while (lua_next(L, 2) != 0) { // [key, value]
    if (lua_type(L, -2) != LUA_TSTRING)
      luaL_error(L, "bad argument #1 to 'set' (option names must be strings)");
    const char *k = lua_tostring(L, -2);
    if (strcmp(k, "latency_ms") == 0)
      s.latency_ns = opt_nonneg(L, k, 1e6);
    else if (strcmp(k, "jitter_ms") == 0)
      s.jitter_ns = opt_nonneg(L, k, 1e6);
    else if (strcmp(k, "bandwidth_bps") == 0)
      s.bandwidth_bps = opt_nonneg(L, k, 1);
    else if (strcmp(k, "drop_after_bytes") == 0)
      s.drop_after_bytes = opt_nonneg(L, k, 1);
    else if (strcmp(k, "blackhole") == 0) {
      int64_t ns = opt_nonneg(L, k, 1e9);
      s.blackhole_until_ns = ns > 0 ? clock_now_ns() + ns : 0;
    } else if (strcmp(k, "reset") == 0) {
      luaL_checktype(L, -1, LUA_TBOOLEAN);
      s.reset = lua_toboolean(L, -1);
    } else if (strcmp(k, "seed") == 0)
      s.seed = (uint64_t)luaL_checkinteger(L, -1);
    else if (strcmp(k, "direction") == 0) {
      static const char *const names[] = {"both", "up", "down", NULL};
      static const int dirs[] = {FAULT_UP | FAULT_DOWN, FAULT_UP, FAULT_DOWN};
      s.directions = dirs[luaL_checkoption(L, -1, NULL, names)];
    } else
      luaL_error(L, "bad argument #1 to 'set' (unknown option '%s')", k);
    lua_pop(L, 1); // [key]
  }
  fault_proxy_set(p, &s);
  lua_settop(L, 1);
  return 1; /* the proxy, for chaining */
}

/* proxy:clear(): no faults any more */
static int proxy_clear_l(lua_State *L) {
  fault_proxy *p = check_proxy(L);
  fault_settings s;
  fault_settings_default(&s);
  fault_proxy_set(p, &s);
  lua_settop(L, 1);
  return 1;
}

/* proxy:settings() -> the current settings, in set{}'s units */
static int proxy_settings_l(lua_State *L) {
  fault_settings s;
  fault_proxy_get(check_proxy(L), &s);
  lua_createtable(L, 0, 8);
  set_num_field(L, "latency_ms", (double)s.latency_ns / 1e6);
  set_num_field(L, "jitter_ms", (double)s.jitter_ns / 1e6);
  set_int_field(L, "bandwidth_bps", s.bandwidth_bps);
  set_int_field(L, "drop_after_bytes", s.drop_after_bytes);
  set_bool_field(L, "reset", s.reset);
  int64_t left = s.blackhole_until_ns - clock_now_ns();
  set_num_field(L, "blackhole", left > 0 ? (double)left / 1e9 : 0);
  set_int_field(L, "seed", (lua_Integer)s.seed);
  set_str_field(L, "direction",
                s.directions == FAULT_UP     ? "up"
                : s.directions == FAULT_DOWN ? "down"
                                             : "both");
  return 1;
}

/* proxy:stats() -> {connections, active, bytes_up, bytes_down, resets, connect_errors} */
static int proxy_stats_l(lua_State *L) {
  fault_proxy_stats st;
  fault_proxy_stats_get(check_proxy(L), &st);
  lua_createtable(L, 0, 6);
  set_int_field(L, "connections", (lua_Integer)st.connections);
  set_int_field(L, "active", (lua_Integer)st.active);
  set_int_field(L, "bytes_up", (lua_Integer)st.bytes_up);
  set_int_field(L, "bytes_down", (lua_Integer)st.bytes_down);
  set_int_field(L, "resets", (lua_Integer)st.resets);
  set_int_field(L, "connect_errors", (lua_Integer)st.connect_errors);
  return 1;
}

/* proxy:close(): stops the thread, closes every socket; harmless twice (also __gc, __close) */
static int proxy_close_l(lua_State *L) {
  proxy_ud *u = luaL_checkudata(L, 1, PROXY_MT);
  fault_proxy_close(u->p);
  u->p = NULL;
  return 0;
}

static int proxy_index_l(lua_State *L) {
  proxy_ud *u = luaL_checkudata(L, 1, PROXY_MT);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "port") == 0) {
    if (!u->p)
      return luaL_error(L, "attempt to use a closed proxy");
    lua_pushinteger(L, fault_proxy_port(u->p));
    return 1;
  }
  if (strcmp(k, "closed") == 0) {
    lua_pushboolean(L, u->p == NULL);
    return 1;
  }
  return push_method(L, k);
}

/* ---- CPU hog ---- */

/* faults.cpu_hog(threads, seconds) -> hog | nil, err, code; seconds <= 0: until stopped */
static int faults_cpu_hog_l(lua_State *L) {
  lua_Integer threads = luaL_checkinteger(L, 1);
  double seconds = luaL_optnumber(L, 2, 0);
  luaL_argcheck(L, threads >= 1 && threads <= 1024, 1, "threads must be in 1..1024");
  cpu_hog_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->h = NULL;
  u->threads = (int)threads;
  luaL_setmetatable(L, CPU_HOG_MT);
  char why[256];
  if (fault_cpu_hog_start((int)threads, seconds, &u->h, why, sizeof why) != 0)
    return push_fail(L, why, "EAGAIN");
  return 1;
}

/* hog:running() -> number of threads still spinning */
static int cpu_hog_running_l(lua_State *L) {
  cpu_hog_ud *u = luaL_checkudata(L, 1, CPU_HOG_MT);
  lua_pushinteger(L, u->h ? fault_cpu_hog_running(u->h) : 0);
  return 1;
}

/* hog:stop(): stops and joins the threads; harmless twice (also __gc, __close) */
static int cpu_hog_stop_l(lua_State *L) {
  cpu_hog_ud *u = luaL_checkudata(L, 1, CPU_HOG_MT);
  fault_cpu_hog_free(u->h);
  u->h = NULL;
  return 0;
}

static int cpu_hog_index_l(lua_State *L) {
  cpu_hog_ud *u = luaL_checkudata(L, 1, CPU_HOG_MT);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "threads") == 0) {
    lua_pushinteger(L, u->threads);
    return 1;
  }
  return push_method(L, k);
}

/* ---- process signals ---- */

/* faults.signal(pid, group, signal) -> true | nil, err, code */
static int faults_signal_l(lua_State *L) {
  lua_Integer pid = luaL_checkinteger(L, 1);
  int group = lua_toboolean(L, 2);
  int sig;
  if (lua_type(L, 3) == LUA_TNUMBER) {
    sig = (int)luaL_checkinteger(L, 3);
  } else {
    const char *name = luaL_checkstring(L, 3);
    sig = fault_signal_number(name);
    if (sig < 0)
      return luaL_argerror(L, 3, lua_pushfstring(L, "unknown signal '%s'", name));
  }
  char why[256];
  const char *code = "EINVAL";
  if (fault_signal_send((pid_t)pid, group, sig, why, sizeof why, &code) != 0)
    return push_fail(L, why, code);
  lua_pushboolean(L, 1);
  return 1;
}

/* ---- test helpers ---- */

/* faults._echo_server() -> server with .port, :connections(), :close() (tests only) */
static int faults_echo_server_l(lua_State *L) {
  echo_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->e = NULL;
  luaL_setmetatable(L, ECHO_MT);
  char why[256];
  if (fault_echo_start(&u->e, why, sizeof why) != 0)
    return push_fail(L, why, "EIO");
  return 1;
}

static int echo_close_l(lua_State *L) {
  echo_ud *u = luaL_checkudata(L, 1, ECHO_MT);
  fault_echo_close(u->e);
  u->e = NULL;
  return 0;
}

static int echo_index_l(lua_State *L) {
  echo_ud *u = luaL_checkudata(L, 1, ECHO_MT);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "port") == 0 || strcmp(k, "connections") == 0) {
    if (!u->e)
      return luaL_error(L, "attempt to use a closed echo server");
    lua_pushinteger(L, k[0] == 'p' ? fault_echo_port(u->e)
                                   : (lua_Integer)fault_echo_connections(u->e));
    return 1;
  }
  return push_method(L, k);
}

static int conn_fail(lua_State *L, const char *what, int err) {
  lua_pushnil(L);
  lua_pushfstring(L, "%s: %s", what, strerror(err));
  lua_pushstring(L, errno_code(err));
  return 3;
}

static int timeout_ms(lua_State *L, int i) {
  double s = luaL_optnumber(L, i, 5);
  luaL_argcheck(L, s >= 0 && s <= 3600, i, "timeout must be in 0..3600 seconds");
  return (int)(s * 1000);
}

/* faults._connect(port [, timeout_s]) -> connection | nil, err, code (tests only) */
static int faults_connect_l(lua_State *L) {
  lua_Integer port = luaL_checkinteger(L, 1);
  int ms = timeout_ms(L, 2);
  conn_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->fd = -1;
  luaL_setmetatable(L, CONN_MT);
  int fd = fault_tcp_connect((int)port, ms);
  if (fd < 0)
    return conn_fail(L, "connect", -fd);
  u->fd = fd;
  return 1;
}

static conn_ud *check_conn(lua_State *L) {
  conn_ud *u = luaL_checkudata(L, 1, CONN_MT);
  if (u->fd < 0)
    luaL_error(L, "attempt to use a closed connection");
  return u;
}

/* conn:send(data [, timeout_s]) -> true | nil, err, code */
static int conn_send_l(lua_State *L) {
  conn_ud *u = check_conn(L);
  size_t len;
  const char *data = luaL_checklstring(L, 2, &len);
  int rc = fault_tcp_send_all(u->fd, data, len, timeout_ms(L, 3));
  if (rc != 0)
    return conn_fail(L, "send", -rc);
  lua_pushboolean(L, 1);
  return 1;
}

/* conn:recv(max [, timeout_s]) -> bytes (1..max) | nil, err, code ("EOF" at end) */
static int conn_recv_l(lua_State *L) {
  conn_ud *u = check_conn(L);
  lua_Integer max = luaL_checkinteger(L, 2);
  luaL_argcheck(L, max > 0 && max <= (1 << 24), 2, "max must be in 1..16 MiB");
  int ms = timeout_ms(L, 3);
  luaL_Buffer b;
  char *buf = luaL_buffinitsize(L, &b, (size_t)max);
  ssize_t n = fault_tcp_recv(u->fd, buf, (size_t)max, ms);
  if (n == 0)
    return push_fail(L, "recv: connection closed by peer", "EOF");
  if (n < 0)
    return conn_fail(L, "recv", (int)-n);
  luaL_pushresultsize(&b, (size_t)n);
  return 1;
}

static int conn_close_l(lua_State *L) {
  conn_ud *u = luaL_checkudata(L, 1, CONN_MT);
  if (u->fd >= 0)
    close(u->fd);
  u->fd = -1;
  return 0;
}

/* ---- registration ---- */

static const luaL_Reg faults_functions[] = {
    {"proxy", faults_proxy_l},      {"cpu_hog", faults_cpu_hog_l},
    {"signal", faults_signal_l},    {"_echo_server", faults_echo_server_l},
    {"_connect", faults_connect_l}, {NULL, NULL}};
static const luaL_Reg proxy_methods[] = {{"set", proxy_set_l},           {"clear", proxy_clear_l},
                                         {"settings", proxy_settings_l}, {"stats", proxy_stats_l},
                                         {"close", proxy_close_l},       {NULL, NULL}};
static const luaL_Reg proxy_meta[] = {
    {"__gc", proxy_close_l}, {"__close", proxy_close_l}, {"__index", proxy_index_l}, {NULL, NULL}};
static const luaL_Reg cpu_hog_methods[] = {
    {"running", cpu_hog_running_l}, {"stop", cpu_hog_stop_l}, {NULL, NULL}};
static const luaL_Reg cpu_hog_meta[] = {{"__gc", cpu_hog_stop_l},
                                        {"__close", cpu_hog_stop_l},
                                        {"__index", cpu_hog_index_l},
                                        {NULL, NULL}};
static const luaL_Reg echo_methods[] = {{"close", echo_close_l}, {NULL, NULL}};
static const luaL_Reg echo_meta[] = {
    {"__gc", echo_close_l}, {"__close", echo_close_l}, {"__index", echo_index_l}, {NULL, NULL}};
static const luaL_Reg conn_methods[] = {
    {"send", conn_send_l}, {"recv", conn_recv_l}, {"close", conn_close_l}, {NULL, NULL}};
static const luaL_Reg conn_meta[] = {
    {"__gc", conn_close_l}, {"__close", conn_close_l}, {NULL, NULL}};

/* A metatable with metamethods `meta` and its methods either as __index
 * (index_is_table) or as the "methods" field for an __index function. */
static void create_meta(lua_State *L, const char *name, const luaL_Reg *meta,
                        const luaL_Reg *methods, int index_is_table) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, meta, 0);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, index_is_table ? "__index" : "methods");
  lua_pop(L, 1);
}

int luaopen_omni_core_faults(lua_State *L) {
  create_meta(L, PROXY_MT, proxy_meta, proxy_methods, 0);
  create_meta(L, CPU_HOG_MT, cpu_hog_meta, cpu_hog_methods, 0);
  create_meta(L, ECHO_MT, echo_meta, echo_methods, 0);
  create_meta(L, CONN_MT, conn_meta, conn_methods, 1);
  luaL_newlib(L, faults_functions);
  return 1;
}
