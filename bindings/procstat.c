/*
 * omni.core.procstat: resident memory and CPU time of processes and process
 * groups, read from /proc by core/procstat_*.c.
 *
 *   local ps = require "omni.core.procstat"
 *   ps.read(pid)    -> {pid, ppid, pgrp, state, comm, rss_bytes, cpu_s, threads, start_ticks}
 *                      | nil, "no process 123", "ESRCH"
 *   ps.group(pgid)  -> {procs, rss_bytes, cpu_s, threads, list = {proc...}} (procs 0: gone)
 *   local s <close> = ps.sampler(pgid, interval_s)
 *   s:drain()       -> {{t_ns, pgid, procs, rss_bytes, cpu_s, threads}...} (taken and forgotten)
 *   s:set_group(pgid); s:dropped(); s:stop(); s:close()
 */
#include <lauxlib.h>
#include <lua.h>
#include <unistd.h>

#include "lua_push.h"
#include "procstat.h"

#define SAMPLER_MT "omni.procstat.sampler"
#define GROUP_MAX 1024 /* processes listed per group; the totals count them all */

typedef struct {
  procstat_sampler *s;
} sampler_ud;

static void push_proc(lua_State *L, const procstat_proc *p) {
  lua_createtable(L, 0, 9);
  set_int_field(L, "pid", p->pid);
  set_int_field(L, "ppid", p->ppid);
  set_int_field(L, "pgrp", p->pgrp);
  char st[2] = {p->state, 0};
  set_str_field(L, "state", st);
  set_str_field(L, "comm", p->comm);
  set_int_field(L, "rss_bytes", (lua_Integer)p->rss_bytes);
  set_num_field(L, "cpu_s", p->cpu_s);
  set_int_field(L, "threads", p->threads);
  set_int_field(L, "start_ticks", (lua_Integer)p->start_ticks);
}

static void push_total(lua_State *L, const procstat_total *t) {
  set_int_field(L, "procs", t->procs);
  set_int_field(L, "rss_bytes", (lua_Integer)t->rss_bytes);
  set_num_field(L, "cpu_s", t->cpu_s);
  set_int_field(L, "threads", t->threads);
}

static int check_pid(lua_State *L, int i) {
  lua_Integer pid = luaL_checkinteger(L, i);
  luaL_argcheck(L, pid > 0 && pid <= 0x7fffffff, i, "pid must be a positive integer");
  return (int)pid;
}

/* procstat.read(pid) */
static int procstat_read_l(lua_State *L) {
  procstat_proc p;
  char err[256];
  const char *code = NULL;
  if (procstat_read(check_pid(L, 1), &p, err, sizeof err, &code) != 0) {
    return push_fail(L, err, code);
  }
  push_proc(L, &p);
  return 1;
}

/* procstat.self() -> this process, as read() */
static int procstat_self_l(lua_State *L) {
  lua_settop(L, 0);
  lua_pushinteger(L, (lua_Integer)getpid());
  return procstat_read_l(L);
}

/* procstat.group(pgid) */
static int procstat_group_l(lua_State *L) {
  int pgid = check_pid(L, 1);
  procstat_proc *list = lua_newuserdatauv(L, GROUP_MAX * sizeof *list, 0); /* GC'd scratch */
  procstat_total tot;
  char err[256];
  int n = procstat_group(pgid, list, GROUP_MAX, &tot, err, sizeof err);
  if (n < 0) {
    return push_fail(L, err, "EIO");
  }
  lua_createtable(L, 0, 5); // [scratch, result]
  push_total(L, &tot);
  int shown = n < GROUP_MAX ? n : GROUP_MAX;
  lua_createtable(L, shown, 0); // [scratch, result, list]
  for (int i = 0; i < shown; i++) {
    push_proc(L, &list[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "list");
  return 1;
}

static sampler_ud *check_sampler(lua_State *L) {
  sampler_ud *u = luaL_checkudata(L, 1, SAMPLER_MT);
  if (!u->s)
    luaL_error(L, "attempt to use a closed sampler");
  return u;
}

/* procstat.sampler(pgid, interval_s) -> sampler | nil, err, code */
static int procstat_sampler_l(lua_State *L) {
  int pgid = check_pid(L, 1);
  double interval = luaL_checknumber(L, 2);
  luaL_argcheck(L, interval > 0, 2, "interval must be > 0");
  sampler_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->s = NULL; /* closed until started */
  luaL_setmetatable(L, SAMPLER_MT);
  char err[256];
  if (procstat_sampler_start(pgid, interval, &u->s, err, sizeof err) != 0) {
    return push_fail(L, err, "ENOMEM");
  }
  return 1;
}

static int sampler_drain_l(lua_State *L) {
  procstat_sampler *s = check_sampler(L)->s;
  enum { BATCH = 256 };
  procstat_sample buf[BATCH];
  lua_newtable(L);
  lua_Integer k = 0;
  size_t n;
  while ((n = procstat_sampler_drain(s, buf, BATCH)) > 0) {
    for (size_t i = 0; i < n; i++) {
      lua_createtable(L, 0, 6); // [list, sample]
      set_int_field(L, "t_ns", buf[i].t_ns);
      set_int_field(L, "pgid", buf[i].pgid);
      push_total(L, &buf[i].total);
      lua_rawseti(L, -2, ++k);
    }
    if (n < BATCH)
      break;
  }
  return 1;
}

static int sampler_set_group_l(lua_State *L) {
  procstat_sampler *s = check_sampler(L)->s;
  procstat_sampler_set_group(s, check_pid(L, 2));
  return 0;
}

static int sampler_dropped_l(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)procstat_sampler_dropped(check_sampler(L)->s));
  return 1;
}

static int sampler_stop_l(lua_State *L) {
  procstat_sampler_stop(check_sampler(L)->s);
  return 0;
}

/* __gc, __close and close(): twice is harmless */
static int sampler_close_l(lua_State *L) {
  sampler_ud *u = luaL_checkudata(L, 1, SAMPLER_MT);
  procstat_sampler_free(u->s);
  u->s = NULL;
  return 0;
}

static const luaL_Reg procstat_functions[] = {{"read", procstat_read_l},
                                              {"self", procstat_self_l},
                                              {"group", procstat_group_l},
                                              {"sampler", procstat_sampler_l},
                                              {NULL, NULL}};
static const luaL_Reg sampler_methods[] = {
    {"drain", sampler_drain_l}, {"set_group", sampler_set_group_l}, {"dropped", sampler_dropped_l},
    {"stop", sampler_stop_l},   {"close", sampler_close_l},         {NULL, NULL}};
static const luaL_Reg sampler_meta[] = {
    {"__gc", sampler_close_l}, {"__close", sampler_close_l}, {NULL, NULL}};

static void create_meta(lua_State *L) {
  luaL_newmetatable(L, SAMPLER_MT);
  luaL_setfuncs(L, sampler_meta, 0);
  luaL_newlib(L, sampler_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

int luaopen_omni_core_procstat(lua_State *L) {
  create_meta(L);
  luaL_newlib(L, procstat_functions);
  return 1;
}
