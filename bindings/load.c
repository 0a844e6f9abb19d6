/*
 * omni.core.load: the perf load engine (core/load_*.c) and the benchmark
 * metrics (core/bench_metrics.c) for Lua.
 *   schedule(n, rate, burstiness, seed) -> {t_s...} | nil, err, "ESCHEDULE"
 *   new{url, headers, api_key, stream, max_concurrency, timeout, keep_text} -> run
 *     run:add(body, offset_s); run:warmup(body, count, timeout_s) -> failed
 *     run:start([t0_ns]) -> t0_ns; run:step(slice_s) -> remaining
 *     run:progress() -> finished, failed, chunks, total; run:cancel(); run:records(); run:close()
 *   compute(requests, {duration, goodput = {ttft=, tpot=, e2el=}, percentiles, metrics})
 *   audio_seconds(bytes) -> seconds | nil, err, "EAUDIO"
 */
#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/bench_metrics.h"
#include "../core/clock.h"
#include "../core/json_number.h"
#include "../core/load_engine.h"
#include "../core/load_schedule.h"
#include "lua_push.h"

#define RUN_MT "omni.load.run"
#define RESULT_MT "omni.load.result"

typedef struct run_box {
  load_run *r;
  int64_t t0;
} run_box;

static run_box *check_run(lua_State *L, int i) {
  run_box *b = luaL_checkudata(L, i, RUN_MT);
  if (!b->r)
    luaL_error(L, "attempt to use a closed load run");
  return b;
}

static int load_schedule_l(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  double rate = luaL_checknumber(L, 2), burst = luaL_optnumber(L, 3, 1.0);
  lua_Integer seed = luaL_optinteger(L, 4, 0);
  luaL_argcheck(L, n >= 0 && n <= 100000000, 1, "count out of range");
  double *t = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *t, 0);
  char err[160];
  if (load_schedule((size_t)n, rate, burst, (uint64_t)seed, t, err, sizeof err) != 0) {
    return push_fail(L, err, "ESCHEDULE");
  }
  push_number_list(L, t, (size_t)n);
  return 1;
}

static int load_new_l(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_getfield(L, 1, "url");
  const char *url = luaL_checkstring(L, -1); /* kept on the stack below */
  lua_getfield(L, 1, "count");
  lua_Integer count = luaL_checkinteger(L, -1);
  luaL_argcheck(L, count >= 0, 1, "count must be >= 0");
  lua_getfield(L, 1, "api_key");
  const char *bearer = lua_tostring(L, -1);
  lua_getfield(L, 1, "stream");
  int stream = lua_isnil(L, -1) ? 1 : lua_toboolean(L, -1);
  lua_getfield(L, 1, "max_concurrency");
  lua_Integer conc = luaL_optinteger(L, -1, 0);
  lua_getfield(L, 1, "timeout");
  double timeout = luaL_optnumber(L, -1, 0);
  lua_getfield(L, 1, "keep_text");
  int keep_text = lua_toboolean(L, -1);
  lua_getfield(L, 1, "headers"); /* a list of "Name: value" lines */
  int nh = lua_istable(L, -1) ? (int)luaL_len(L, -1) : 0;
  const char **hdrs = lua_newuserdatauv(L, (size_t)(nh ? nh : 1) * sizeof *hdrs, 0);
  for (int i = 0; i < nh; i++) {
    lua_geti(L, -2, i + 1);
    hdrs[i] = luaL_checkstring(L, -1); /* anchored by the headers table on the stack */
    lua_pop(L, 1);
  }
  load_opts o = {.url = url,
                 .headers = hdrs,
                 .nheaders = nh,
                 .bearer = bearer,
                 .stream = stream,
                 .max_concurrency = (int)conc,
                 .timeout_ms = (int64_t)(timeout * 1000),
                 .keep_text = keep_text};
  run_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->r = NULL;
  luaL_setmetatable(L, RUN_MT);
  char err[160];
  b->r = load_new(&o, (size_t)count, err, sizeof err);
  if (!b->r)
    return luaL_error(L, "%s", err);
  return 1;
}

static int run_add(lua_State *L) {
  run_box *b = check_run(L, 1);
  size_t len;
  const char *body = luaL_checklstring(L, 2, &len);
  double off = luaL_checknumber(L, 3);
  if (load_add(b->r, body, len, off) != 0)
    return luaL_error(L, "cannot add a request (more than the run's count, or started)");
  return 0;
}

/* run:warmup(body, count, timeout_s) -> failed: count copies of body on the
 * run's own connections before start (nothing recorded). */
static int run_warmup(lua_State *L) {
  run_box *b = check_run(L, 1);
  size_t len;
  const char *body = luaL_checklstring(L, 2, &len);
  lua_Integer count = luaL_checkinteger(L, 3);
  double timeout_s = luaL_optnumber(L, 4, 60);
  luaL_argcheck(L, count >= 0 && count <= 1000000, 3, "count out of range");
  char err[160];
  int failed = load_warmup(b->r, body, len, (int)count, clock_now_ns() + (int64_t)(timeout_s * 1e9),
                           err, sizeof err);
  if (failed < 0)
    return luaL_error(L, "%s", err);
  lua_pushinteger(L, failed);
  return 1;
}

static int run_start(lua_State *L) {
  run_box *b = check_run(L, 1);
  int64_t t0 = (int64_t)luaL_optinteger(L, 2, 0);
  /* By default the schedule starts just after every request is queued
   * (about 2 us each): queuing 40,000 requests would otherwise make the
   * first ones late and count in the benchmark's duration. */
  b->t0 = t0 > 0 ? t0 : clock_now_ns() + 1000000 + (int64_t)load_count(b->r) * 4000;
  char err[160];
  if (load_start(b->r, b->t0, err, sizeof err) != 0)
    return luaL_error(L, "%s", err);
  lua_pushinteger(L, b->t0);
  return 1;
}

static int run_step(lua_State *L) {
  run_box *b = check_run(L, 1);
  double slice = luaL_optnumber(L, 2, 0);
  int64_t deadline = slice > 0 ? clock_now_ns() + (int64_t)(slice * 1e9) : 0;
  lua_pushinteger(L, load_step(b->r, deadline));
  return 1;
}

static int run_progress(lua_State *L) {
  run_box *b = check_run(L, 1);
  lua_pushinteger(L, (lua_Integer)load_finished(b->r));
  lua_pushinteger(L, (lua_Integer)load_failed(b->r));
  lua_pushinteger(L, (lua_Integer)load_chunks_seen(b->r));
  lua_pushinteger(L, (lua_Integer)load_count(b->r));
  return 4;
}

static int run_cancel(lua_State *L) {
  load_cancel(check_run(L, 1)->r);
  return 0;
}

/* One record as times in seconds relative to the actual send (start_s and
 * intended_s relative to the run's t0). */
static void push_record(lua_State *L, const load_record *rec, int64_t t0) {
  lua_createtable(L, 0, 20);
  set_bool_field(L, "success", rec->success);
  set_int_field(L, "status", rec->status);
  if (rec->error[0]) {
    set_str_field(L, "error", rec->error);
  }
  int64_t st = rec->sent_ns ? rec->sent_ns : rec->intended_ns;
  set_num_field(L, "start_s", (double)(st - t0) / 1e9);
  set_num_field(L, "intended_s", (double)(rec->intended_ns - t0) / 1e9);
  set_int_field(L, "chunks", (lua_Integer)rec->ntok);
  if (rec->ntok > 0) {
    set_num_field(L, "ttft_s", (double)(rec->tok_ns[0] - st) / 1e9);
    set_num_field(L, "latency_s", (double)(rec->tok_ns[rec->ntok - 1] - st) / 1e9);
  } else {
    set_num_field(L, "ttft_s", 0);
    set_num_field(L, "latency_s", rec->end_ns > st ? (double)(rec->end_ns - st) / 1e9 : 0);
  }
  lua_createtable(L, rec->ntok > 1 ? (int)rec->ntok - 1 : 0, 0);
  for (size_t k = 1; k < rec->ntok; k++) {
    lua_pushnumber(L, (double)(rec->tok_ns[k] - rec->tok_ns[k - 1]) / 1e9);
    lua_rawseti(L, -2, (lua_Integer)k);
  }
  lua_setfield(L, -2, "itl_s");
  if (rec->prompt_tokens >= 0)
    set_int_field(L, "prompt_tokens", rec->prompt_tokens);
  if (rec->completion_tokens >= 0)
    set_int_field(L, "completion_tokens", rec->completion_tokens);
  lua_pushlstring(L, rec->text ? rec->text : "", rec->text_len);
  lua_setfield(L, -2, "text");
  if (rec->naudio > 0) {
    set_int_field(L, "audio_chunks", (lua_Integer)rec->naudio);
    set_num_field(L, "audio_ttfp_s", (double)(rec->audio_ns[0] - st) / 1e9);
    set_num_field(L, "audio_latency_s", (double)(rec->audio_ns[rec->naudio - 1] - st) / 1e9);
    set_num_field(L, "audio_duration_s", rec->audio_seconds);
    set_int_field(L, "audio_bytes", (lua_Integer)rec->audio_len);
  }
  if (rec->audio_error[0]) {
    set_str_field(L, "audio_error", rec->audio_error);
  }
}

static int run_records(lua_State *L) {
  run_box *b = check_run(L, 1);
  size_t n = load_count(b->r);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    push_record(L, load_get(b->r, i), b->t0);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int run_close(lua_State *L) {
  run_box *b = luaL_checkudata(L, 1, RUN_MT);
  load_free(b->r);
  b->r = NULL;
  return 0;
}

/* ---- compute ---- */

static double field_num(lua_State *L, int t, const char *k, double dflt) {
  lua_getfield(L, t, k);
  double v = lua_isnumber(L, -1) ? lua_tonumber(L, -1) : dflt;
  lua_pop(L, 1);
  return v;
}

static int result_gc(lua_State *L) {
  bench_result *r = luaL_checkudata(L, 1, RESULT_MT);
  bench_result_free(r);
  return 0;
}

static double *numbers_of(lua_State *L, int t, const char *k, size_t *n) {
  lua_getfield(L, t, k);
  *n = lua_istable(L, -1) ? (size_t)luaL_len(L, -1) : 0;
  double *v = lua_newuserdatauv(L, (*n ? *n : 1) * sizeof *v, 0);
  for (size_t i = 0; i < *n; i++) {
    lua_geti(L, -2, (lua_Integer)i + 1);
    v[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  lua_remove(L, -2); /* keep the buffer (anchored on the stack), drop the table */
  return v;
}

static int load_compute_l(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checktype(L, 2, LUA_TTABLE);
  size_t n = (size_t)luaL_len(L, 1);
  double duration = field_num(L, 2, "duration", 0);
  bench_req *reqs = lua_newuserdatauv(L, (n ? n : 1) * sizeof *reqs, 0);
  lua_createtable(L, (int)n, 0); /* keeps the ITL buffers alive */
  int anchor = lua_gettop(L);
  for (size_t i = 0; i < n; i++) {
    if (lua_geti(L, 1, (lua_Integer)i + 1) != LUA_TTABLE)
      return luaL_error(L, "bad argument #1 to 'compute' (request %d is not a table)", (int)i + 1);
    int t = lua_gettop(L);
    bench_req *q = &reqs[i];
    lua_getfield(L, t, "success");
    q->success = lua_toboolean(L, -1);
    lua_pop(L, 1);
    q->start_s = field_num(L, t, "start_s", 0);
    q->intended_s = field_num(L, t, "intended_s", q->start_s);
    q->ttft_s = field_num(L, t, "ttft_s", 0);
    q->latency_s = field_num(L, t, "latency_s", 0);
    q->prompt_len = (int)field_num(L, t, "prompt_len", 0);
    q->output_len = (int)field_num(L, t, "output_len", 0);
    q->audio_ttfp_s = field_num(L, t, "audio_ttfp_s", -1);
    q->audio_latency_s = field_num(L, t, "audio_latency_s", q->latency_s);
    q->audio_duration_s = field_num(L, t, "audio_duration_s", 0);
    q->itl_s = numbers_of(L, t, "itl_s", &q->nitl);
    lua_rawseti(L, anchor, (lua_Integer)i + 1);
    lua_pop(L, 1);
  }
  bench_goodput g = {0}, *gp = NULL;
  lua_getfield(L, 2, "goodput");
  if (lua_istable(L, -1)) {
    int t = lua_gettop(L);
    gp = &g;
    lua_getfield(L, t, "ttft");
    if ((g.has_ttft = lua_isnumber(L, -1)))
      g.ttft_ms = lua_tonumber(L, -1);
    lua_getfield(L, t, "tpot");
    if ((g.has_tpot = lua_isnumber(L, -1)))
      g.tpot_ms = lua_tonumber(L, -1);
    lua_getfield(L, t, "e2el");
    if ((g.has_e2el = lua_isnumber(L, -1)))
      g.e2el_ms = lua_tonumber(L, -1);
    lua_pop(L, 3);
  }
  lua_pop(L, 1);
  size_t np;
  double *pcts = numbers_of(L, 2, "percentiles", &np);
  for (size_t i = 0; i < np; i++)
    luaL_argcheck(L, pcts[i] >= 0 && pcts[i] <= 100, 2, "percentiles must be in [0, 100]");
  double *pout = lua_newuserdatauv(L, (np ? np : 1) * sizeof *pout, 0);
  bench_result *r = lua_newuserdatauv(L, sizeof *r, 0);
  memset(r, 0, sizeof *r);
  luaL_setmetatable(L, RESULT_MT); /* freed by __gc even if a push below raises */
  if (bench_compute(reqs, n, duration, gp, r) != 0)
    return luaL_error(L, "out of memory");
  lua_createtable(L, 0, 24);
  set_int_field(L, "completed", (lua_Integer)r->completed);
  set_int_field(L, "failed", (lua_Integer)r->failed);
  set_int_field(L, "total_input_tokens", r->total_input);
  set_int_field(L, "total_output_tokens", r->total_output);
  set_num_field(L, "duration", r->duration_s);
  set_num_field(L, "request_throughput", r->request_throughput);
  if (r->request_goodput >= 0)
    set_num_field(L, "request_goodput", r->request_goodput);
  set_num_field(L, "output_throughput", r->output_throughput);
  set_num_field(L, "total_token_throughput", r->total_token_throughput);
  set_num_field(L, "max_output_tokens_per_s", r->max_output_tokens_per_s);
  set_int_field(L, "max_concurrent_requests", r->max_concurrent_requests);
  set_num_field(L, "audio_throughput", r->audio_throughput);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, r->output_lens[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "output_lens");
  lua_createtable(L, 0, BM_COUNT); /* stats by metric name */
  lua_createtable(L, 0, BM_COUNT); /* series by metric name */
  for (int m = 0; m < BM_COUNT; m++) {
    metrics_stats st;
    if (bench_metric_stats(r, m, pcts, np, &st, pout) != 0)
      return luaL_error(L, "metric %s: a value is NaN", bench_metric_name(m));
    push_stats(L, &st, pout, np); /* [stats, series, result] */
    lua_setfield(L, -3, bench_metric_name(m));
    const bench_series *s = &r->series[m];
    push_number_list(L, s->v, s->n);
    lua_setfield(L, -2, bench_metric_name(m));
  }
  lua_setfield(L, -3, "series");
  lua_setfield(L, -2, "stats");
  return 1;
}

static int load_audio_seconds_l(lua_State *L) {
  size_t n;
  const char *p = luaL_checklstring(L, 1, &n);
  char err[160];
  double s = load_audio_seconds((const unsigned char *)p, n, err, sizeof err);
  if (err[0]) {
    return push_fail(L, err, "EAUDIO");
  }
  lua_pushnumber(L, s);
  return 1;
}

/* load.json_numbers(list) -> "[1.0, 2.5]", omni.bench.ordered_json's form of
 * a list, or nil when an element is not a number (the Lua encoder takes that
 * one). A streaming result holds one ITL list per request: in Lua, 100,000
 * lists of 31 took 5.8 s to write. */
/* The JSON text of the number at idx into buf (JSON_NUMBER_MAX bytes):
 * integers as they are, floats as Python writes them. */
static size_t number_text(lua_State *L, int idx, char *buf) {
  if (lua_isinteger(L, idx))
    return (size_t)snprintf(buf, JSON_NUMBER_MAX, LUA_INTEGER_FMT, lua_tointeger(L, idx));
  return json_number(lua_tonumber(L, idx), buf);
}

/* load.json_number(n) -> text: one number as load.json_numbers writes it */
static int load_json_number_l(lua_State *L) {
  luaL_checktype(L, 1, LUA_TNUMBER);
  char buf[JSON_NUMBER_MAX];
  size_t len = number_text(L, 1, buf);
  lua_pushlstring(L, buf, len);
  return 1;
}

static int load_json_numbers_l(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_Integer n = luaL_len(L, 1);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, '[');
  for (lua_Integer i = 1; i <= n; i++) {
    char num[JSON_NUMBER_MAX];
    size_t len;
    if (lua_rawgeti(L, 1, i) != LUA_TNUMBER) {
      lua_pop(L, 1);
      lua_pushnil(L);
      return 1;
    }
    len = number_text(L, -1, num);
    lua_pop(L, 1);
    if (i > 1)
      luaL_addlstring(&b, ", ", 2);
    luaL_addlstring(&b, num, len);
  }
  luaL_addchar(&b, ']');
  luaL_pushresult(&b);
  return 1;
}

static const luaL_Reg load_functions[] = {{"schedule", load_schedule_l},
                                          {"json_number", load_json_number_l},
                                          {"json_numbers", load_json_numbers_l},
                                          {"new", load_new_l},
                                          {"compute", load_compute_l},
                                          {"audio_seconds", load_audio_seconds_l},
                                          {NULL, NULL}};
static const luaL_Reg run_methods[] = {
    {"add", run_add},         {"warmup", run_warmup},     {"start", run_start},
    {"step", run_step},       {"progress", run_progress}, {"cancel", run_cancel},
    {"records", run_records}, {"close", run_close},       {NULL, NULL}};
static const luaL_Reg run_meta[] = {{"__gc", run_close}, {"__close", run_close}, {NULL, NULL}};

int luaopen_omni_core_load(lua_State *L) {
  luaL_newmetatable(L, RUN_MT);
  luaL_setfuncs(L, run_meta, 0);
  luaL_newlib(L, run_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newmetatable(L, RESULT_MT);
  lua_pushcfunction(L, result_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newlib(L, load_functions);
  return 1;
}
