/*
 * omni.core.http: runs a list of requests on the C engine (core/http_engine)
 * and returns one result table per request, in request order.
 *
 *   local results = core.run({ {url = ..., sse = true, events = "full"}, ... },
 *                            {concurrency = 16})
 *
 * Argument checking beyond types lives in stdlib/omni/http.lua.
 */
#include <lauxlib.h>
#include <lua.h>
#include <stdlib.h>
#include <string.h>

#include "http_engine.h"
#include "interrupt.h"

#include <pthread.h>
#include <time.h>

#define ENGINE_MT "omni.http.engine"
#define MAX_HEADERS 64
#define MAX_RETRY_ON 32

typedef struct {
  http_engine *e;
} engine_box;

static int engine_gc(lua_State *L) {
  engine_box *b = luaL_checkudata(L, 1, ENGINE_MT);
  if (b->e) {
    http_engine_free(b->e);
    b->e = NULL;
  }
  return 0;
}

static lua_Integer opt_int(lua_State *L, int t, const char *k, lua_Integer d) {
  lua_getfield(L, t, k);
  lua_Integer v = lua_isnil(L, -1) ? d : (lua_Integer)luaL_checknumber(L, -1);
  lua_pop(L, 1);
  return v;
}

static int opt_bool(lua_State *L, int t, const char *k) {
  lua_getfield(L, t, k);
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* Leaves string fields on the stack (so their pointers stay valid) until the
 * request is added; the engine copies them. */
static const char *opt_str(lua_State *L, int t, const char *k, size_t *len) {
  lua_getfield(L, t, k);
  if (lua_isnil(L, -1))
    return NULL;
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_error(L, "request field '%s' must be a string", k);
  return lua_tolstring(L, -1, len);
}

static void add_request(lua_State *L, http_engine *e, int t, int i) {
  int top = lua_gettop(L);
  http_req_opts o = {0};
  o.url = opt_str(L, t, "url", NULL);
  o.method = opt_str(L, t, "method", NULL);
  o.body = opt_str(L, t, "body", &o.body_len);
  o.bearer = opt_str(L, t, "bearer", NULL);
  o.cainfo = opt_str(L, t, "cainfo", NULL);
  const char *hdrs[MAX_HEADERS];
  lua_getfield(L, t, "headers");
  if (lua_istable(L, -1)) {
    int hidx = lua_gettop(L);
    lua_Integer n = luaL_len(L, hidx);
    if (n > MAX_HEADERS)
      luaL_error(L, "request %d: more than %d headers", i, MAX_HEADERS);
    for (lua_Integer k = 1; k <= n; k++) {
      lua_geti(L, hidx, k);
      hdrs[k - 1] = luaL_checkstring(L, -1); /* stays on the stack */
    }
    o.headers = hdrs;
    o.nheaders = (int)n;
  }
  int retry_on[MAX_RETRY_ON];
  lua_getfield(L, t, "retry_on");
  if (lua_istable(L, -1)) {
    lua_Integer n = luaL_len(L, -1);
    if (n > MAX_RETRY_ON)
      luaL_error(L, "request %d: more than %d retry_on codes", i, MAX_RETRY_ON);
    for (lua_Integer k = 1; k <= n; k++) {
      lua_geti(L, -1, k);
      retry_on[k - 1] = (int)luaL_checkinteger(L, -1);
      lua_pop(L, 1);
    }
    o.retry_on = retry_on;
    o.nretry_on = (int)n;
  }
  o.timeout_ms = opt_int(L, t, "timeout_ms", 0);
  o.connect_timeout_ms = opt_int(L, t, "connect_timeout_ms", 0);
  o.idle_timeout_ms = opt_int(L, t, "idle_timeout_ms", 0);
  o.retries = (int)opt_int(L, t, "retries", 0);
  o.backoff_ms = opt_int(L, t, "backoff_ms", 0);
  o.max_bytes = (size_t)opt_int(L, t, "max_bytes", 0);
  o.max_line = (size_t)opt_int(L, t, "max_line", 0);
  o.start_at_ns = opt_int(L, t, "start_at_ns", 0);
  o.sse = opt_bool(L, t, "sse");
  o.keep_body = opt_bool(L, t, "keep_body");
  o.keep_chunks = opt_bool(L, t, "chunks");
  o.insecure = opt_bool(L, t, "insecure");
  o.use_curl = opt_bool(L, t, "use_curl");
  lua_getfield(L, t, "events");
  const char *ev = lua_tostring(L, -1);
  o.keep_events = ev == NULL || strcmp(ev, "full") == 0 ? 1 : strcmp(ev, "times") == 0 ? 2 : 0;
  char err[128];
  if (!http_engine_add(e, &o, NULL, err, sizeof err))
    luaL_error(L, "request %d: %s", i, err);
  lua_settop(L, top);
}

static void set_int(lua_State *L, const char *k, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/* Pushes {lower-case name = value} of a raw header block (the status line is
 * skipped, values trimmed, repeated names joined with ", "): done here, not
 * with Lua patterns, because a 1000-stream batch parses 1000 of them. */
static void push_headers(lua_State *L, const char *p, size_t n) {
  lua_createtable(L, 0, 8);
  const char *end = p + n, *line = p;
  int first = 1;
  while (line < end) {
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    const char *next = eol ? eol + 1 : end;
    if (!eol)
      eol = end;
    const char *colon = first ? NULL : memchr(line, ':', (size_t)(eol - line));
    first = 0;
    if (colon && colon > line) {
      const char *v = colon + 1, *ve = eol;
      while (v < ve && (*v == ' ' || *v == '\t'))
        v++;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
        ve--;
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (const char *k = line; k < colon; k++)
        luaL_addchar(&b, (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k));
      luaL_pushresult(&b); /* [h, name] */
      lua_pushvalue(L, -1);
      if (lua_rawget(L, -3) == LUA_TSTRING) { /* [h, name, old] */
        lua_pushliteral(L, ", ");
        lua_pushlstring(L, v, (size_t)(ve - v));
        lua_concat(L, 3);
      } else {
        lua_pop(L, 1);
        lua_pushlstring(L, v, (size_t)(ve - v));
      }
      lua_rawset(L, -3);
    }
    line = next;
  }
}

static void push_result(lua_State *L, http_engine *e, size_t i) {
  const http_req *r = http_engine_request(e, i);
  const http_result *res = http_req_result(r);
  lua_createtable(L, 0, 16); // [res]
  if (res->status)
    set_int(L, "status", res->status);
  set_int(L, "attempts", res->attempts);
  set_int(L, "bytes", (lua_Integer)res->bytes);
  set_int(L, "t_due_ns", res->t_due_ns);
  set_int(L, "t_start_ns", res->t_start_ns);
  set_int(L, "t_first_byte_ns", res->t_first_byte_ns);
  set_int(L, "t_end_ns", res->t_end_ns);
  lua_pushlstring(L, res->headers ? res->headers : "", res->headers_len);
  lua_setfield(L, -2, "raw_headers");
  push_headers(L, res->headers ? res->headers : "", res->headers_len);
  lua_setfield(L, -2, "headers");
  if (res->body) {
    lua_pushlstring(L, res->body, res->body_len);
    lua_setfield(L, -2, "body");
  }
  if (res->stream_partial) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "stream_partial");
  }
  if (res->err != HTTP_OK) {
    lua_pushstring(L, res->errmsg);
    lua_setfield(L, -2, "err");
    lua_pushstring(L, http_err_code(res->err));
    lua_setfield(L, -2, "code");
  }
  size_t n;
  const char *buf;
  const http_event *evs = http_req_events(r, &n, &buf);
  if (evs) {
    lua_createtable(L, (int)n, 0); // [res, events]
    for (size_t k = 0; k < n; k++) {
      lua_createtable(L, 0, 3); // [res, events, ev]
      lua_pushlstring(L, buf + evs[k].data_off, evs[k].data_len);
      lua_setfield(L, -2, "data");
      if (evs[k].name_len) {
        lua_pushlstring(L, buf + evs[k].name_off, evs[k].name_len);
        lua_setfield(L, -2, "event");
      }
      set_int(L, "t_ns", evs[k].t_ns);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "events");
  }
  const int64_t *times = http_req_event_times(r, &n);
  if (times) {
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
      lua_pushinteger(L, times[k]);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "event_times");
  }
  const http_chunk *ch = http_req_chunks(r, &n);
  if (ch) {
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
      lua_createtable(L, 0, 2);
      set_int(L, "t_ns", ch[k].t_ns);
      set_int(L, "size", (lua_Integer)ch[k].size);
      lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_setfield(L, -2, "chunks");
  }
}

/* run(requests, {concurrency = n, deadline_ns = t}) -> results */
static int http_run_l(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer conc = 1, deadline = 0;
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    conc = opt_int(L, 2, "concurrency", 1);
    deadline = opt_int(L, 2, "deadline_ns", 0);
  }
  luaL_argcheck(L, conc >= 1 && conc <= 100000, 2, "concurrency must be in 1..100000");
  engine_box *b = lua_newuserdatauv(L, sizeof *b, 0); // [.., box]
  b->e = NULL;
  luaL_setmetatable(L, ENGINE_MT);
  b->e = http_engine_new((int)conc);
  if (!b->e)
    return luaL_error(L, "cannot create the HTTP engine");
  lua_Integer n = luaL_len(L, 1);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_geti(L, 1, i);
    if (!lua_istable(L, -1))
      return luaL_error(L, "request %d is not a table", (int)i);
    add_request(L, b->e, lua_gettop(L), (int)i);
    lua_pop(L, 1);
  }
  http_engine_run(b->e, deadline);
  http_engine_cancel(b->e);      /* only does something when the deadline passed */
  lua_createtable(L, (int)n, 0); // [.., box, results]
  for (lua_Integer i = 1; i <= n; i++) {
    push_result(L, b->e, (size_t)(i - 1));
    lua_rawseti(L, -2, i);
  }
  http_engine_free(b->e);
  b->e = NULL;
  return 1;
}

static const char *code_names[] = {"ECONNREFUSED", "ECONNRESET", "TRUNCATED",  "TIMEOUT",
                                   "IDLE_TIMEOUT", "TOO_LARGE",  "BAD_STREAM", "ERESOLVE",
                                   "ETLS",         "EPROTO",     "ENOMEM",     "EOTHER",
                                   "INTERRUPTED"};

/* ---- test-only: interrupts from another thread, as a signal handler does ---- */

static void *interrupt_later(void *arg) {
  struct timespec ts = {0};
  lua_Number s = *(lua_Number *)arg;
  free(arg);
  ts.tv_sec = (time_t)s;
  ts.tv_nsec = (long)((s - (lua_Number)ts.tv_sec) * 1e9);
  nanosleep(&ts, NULL);
  interrupt_request();
  return NULL;
}

/* _interrupt_after(seconds): a detached thread calls interrupt_request(). */
static int interrupt_after_l(lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  luaL_argcheck(L, s >= 0 && s < 3600, 1, "seconds in 0..3600 expected");
  lua_Number *arg = malloc(sizeof *arg);
  if (!arg)
    return luaL_error(L, "out of memory");
  *arg = s;
  pthread_t t;
  if (pthread_create(&t, NULL, interrupt_later, arg) != 0) {
    free(arg);
    return luaL_error(L, "cannot start the interrupt thread");
  }
  pthread_detach(t);
  return 0;
}

static int interrupt_pending_l(lua_State *L) {
  lua_pushboolean(L, interrupt_pending());
  return 1;
}

static int interrupt_clear_l(lua_State *L) {
  (void)L;
  interrupt_clear();
  return 0;
}

static const luaL_Reg http_functions[] = {{"run", http_run_l},
                                          {"_interrupt_after", interrupt_after_l},
                                          {"_interrupt_pending", interrupt_pending_l},
                                          {"_interrupt_clear", interrupt_clear_l},
                                          {NULL, NULL}};
static const luaL_Reg engine_meta[] = {{"__gc", engine_gc}, {"__close", engine_gc}, {NULL, NULL}};

int luaopen_omni_core_http(lua_State *L) {
  luaL_newmetatable(L, ENGINE_MT);
  luaL_setfuncs(L, engine_meta, 0);
  lua_pop(L, 1);
  luaL_newlib(L, http_functions);
  lua_createtable(L, 0, 12); // [mod, codes]: the error codes, for documentation and tests
  for (size_t i = 0; i < sizeof code_names / sizeof *code_names; i++) {
    lua_pushstring(L, code_names[i]);
    lua_setfield(L, -2, code_names[i]);
  }
  lua_setfield(L, -2, "codes");
  return 1;
}
