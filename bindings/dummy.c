/*
 * omni.core.dummy: the built-in dummy omni server (core/dummy_*).
 *   local s = dummy.start{ port = 0, ttft_ms = 20 }  -- in-process, on a thread
 *   s:port(); s:url(); s:requests(); s:stop()        -- also on __gc / __close
 *   dummy.serve{ ... }        -- blocks until SIGINT/SIGTERM (the CLI)
 *   dummy.offline{ prompts = FILE, out = DIR, ... } -> count | nil, err
 */
#include <lauxlib.h>
#include <lua.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "dummy_offline.h"
#include "dummy_server.h"

#define SERVER_MT "omni.dummy.server"

typedef struct {
  dummy_server *s;
  pthread_t thread;
  int running;
} server_box;

/* Reads the options shared by start/serve/offline into cfg. Strings stay
 * valid while opts is on the stack (the server copies them). */
static void read_config(lua_State *L, int t, dummy_config *cfg) {
  dummy_config_defaults(cfg);
  luaL_checktype(L, t, LUA_TTABLE);
  lua_getfield(L, t, "host");
  if (!lua_isnil(L, -1))
    cfg->host = luaL_checkstring(L, -1);
  lua_getfield(L, t, "model");
  if (!lua_isnil(L, -1))
    cfg->model = luaL_checkstring(L, -1);
  lua_getfield(L, t, "api_key");
  if (!lua_isnil(L, -1))
    cfg->api_key = luaL_checkstring(L, -1);
  lua_getfield(L, t, "stage_config_json");
  if (!lua_isnil(L, -1))
    cfg->stage_config_json = luaL_checkstring(L, -1);
  lua_pop(L, 4);
  lua_getfield(L, t, "port");
  cfg->port = (int)luaL_optinteger(L, -1, 0);
  luaL_argcheck(L, cfg->port >= 0 && cfg->port <= 65535, 1, "port must be in 0..65535");
  lua_getfield(L, t, "audio");
  if (!lua_isnil(L, -1))
    cfg->default_audio = lua_toboolean(L, -1);
  lua_pop(L, 2);
  lua_getfield(L, t, "max_body"); /* bytes */
  lua_Integer mb = luaL_optinteger(L, -1, (lua_Integer)cfg->max_body);
  luaL_argcheck(L, mb >= 1 && mb <= ((lua_Integer)1 << 32), 1, "max_body must be in 1..4 GiB");
  cfg->max_body = (size_t)mb;
  lua_getfield(L, t, "max_model_len");
  lua_Integer ml = luaL_optinteger(L, -1, cfg->max_model_len);
  luaL_argcheck(L, ml >= 1 && ml <= 100000000, 1, "max_model_len must be in 1..100000000");
  cfg->max_model_len = (int)ml;
  lua_pop(L, 2);
  static const char *numeric[] = {"ttft_ms", "itl_ms", "jitter_ms", "output_tokens", "seed", NULL};
  char spec[256];
  for (int i = 0; numeric[i]; i++) {
    lua_getfield(L, t, numeric[i]);
    if (!lua_isnil(L, -1)) {
      snprintf(spec, sizeof spec, "%s=%s", numeric[i], luaL_checkstring(L, -1));
      char err[200];
      if (dummy_profile_apply(&cfg->prof, spec, strlen(spec), err, sizeof err) != 0)
        luaL_error(L, "%s", err);
    }
    lua_pop(L, 1);
  }
  lua_getfield(L, t, "fault");
  if (!lua_isnil(L, -1)) {
    size_t n;
    const char *f = luaL_checklstring(L, -1, &n);
    char err[200];
    if (dummy_profile_apply(&cfg->prof, f, n, err, sizeof err) != 0)
      luaL_error(L, "%s", err);
  }
  lua_pop(L, 1);
}

static server_box *check_server(lua_State *L) {
  server_box *b = luaL_checkudata(L, 1, SERVER_MT);
  if (!b->s)
    luaL_error(L, "attempt to use a stopped server");
  return b;
}

static void *serve_thread(void *p) {
  dummy_server_run(p);
  return NULL;
}

static int server_stop(lua_State *L) {
  server_box *b = luaL_checkudata(L, 1, SERVER_MT);
  if (b->s) {
    if (b->running) {
      dummy_server_stop(b->s);
      pthread_join(b->thread, NULL);
      b->running = 0;
    }
    dummy_server_free(b->s);
    b->s = NULL;
  }
  return 0;
}

static int server_port(lua_State *L) {
  lua_pushinteger(L, dummy_server_port(check_server(L)->s));
  return 1;
}

static int server_requests(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)dummy_server_requests(check_server(L)->s));
  return 1;
}

/* start(opts) -> server | nil, err, code */
static int dummy_start(lua_State *L) {
  dummy_config cfg;
  read_config(L, 1, &cfg);
  server_box *b = lua_newuserdatauv(L, sizeof *b, 0); // [opts, box]
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, SERVER_MT);
  char err[256];
  b->s = dummy_server_new(&cfg, err, sizeof err);
  if (!b->s) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    lua_pushstring(L, strstr(err, "taken") ? "EADDRINUSE" : "ELISTEN");
    return 3;
  }
  if (pthread_create(&b->thread, NULL, serve_thread, b->s) != 0) {
    dummy_server_free(b->s);
    b->s = NULL;
    return luaL_error(L, "cannot start the dummy server thread");
  }
  b->running = 1;
  return 1;
}

static dummy_server *volatile signalled;
static void on_signal(int sig) {
  (void)sig;
  if (signalled)
    dummy_server_stop(signalled);
}

/* serve(opts): prints the listening line, serves until SIGINT/SIGTERM. */
static int dummy_serve(lua_State *L) {
  dummy_config cfg;
  read_config(L, 1, &cfg);
  char err[256];
  dummy_server *s = dummy_server_new(&cfg, err, sizeof err);
  if (!s) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    lua_pushstring(L, strstr(err, "taken") ? "EADDRINUSE" : "ELISTEN");
    return 3;
  }
  int ipv6 = strchr(cfg.host, ':') != NULL;
  printf("omnilua serve-dummy listening on http://%s%s%s:%d (model %s)\n", ipv6 ? "[" : "",
         cfg.host, ipv6 ? "]" : "", dummy_server_port(s), cfg.model);
  fflush(stdout);
  struct sigaction sa = {0}, old_int, old_term;
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  signalled = s;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  signal(SIGPIPE, SIG_IGN);
  int rc = dummy_server_run(s);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  signalled = NULL;
  size_t served = dummy_server_requests(s);
  dummy_server_free(s);
  lua_pushboolean(L, rc == 0);
  lua_pushinteger(L, (lua_Integer)served);
  return 2;
}

/* offline{prompts = FILE, out = DIR, ...} -> count | nil, err */
static int dummy_offline(lua_State *L) {
  dummy_config cfg;
  read_config(L, 1, &cfg);
  lua_getfield(L, 1, "prompts");
  const char *prompts = luaL_checkstring(L, -1);
  lua_getfield(L, 1, "out");
  const char *out = luaL_checkstring(L, -1);
  char err[512];
  int n = dummy_offline_run(&cfg, prompts, out, err, sizeof err);
  if (n < 0) {
    luaL_pushfail(L);
    lua_pushstring(L, err);
    return 2;
  }
  lua_pushinteger(L, n);
  return 1;
}

static const luaL_Reg dummy_functions[] = {
    {"start", dummy_start}, {"serve", dummy_serve}, {"offline", dummy_offline}, {NULL, NULL}};
static const luaL_Reg server_methods[] = {
    {"port", server_port}, {"requests", server_requests}, {"stop", server_stop}, {NULL, NULL}};
static const luaL_Reg server_meta[] = {
    {"__gc", server_stop}, {"__close", server_stop}, {NULL, NULL}};

int luaopen_omni_core_dummy(lua_State *L) {
  luaL_newmetatable(L, SERVER_MT);
  luaL_setfuncs(L, server_meta, 0);
  luaL_newlib(L, server_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, dummy_functions);
  return 1;
}
