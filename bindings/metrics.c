/*
 * omni.core.metrics: core/metrics_*.c for Lua.
 *   stats(values, percentiles) -> {count, mean, median, std, min, max, percentiles = {...}}
 *   histogram(digits, resolution, highest) -> histogram
 *   histogram_decode(text) -> histogram | nil, err, "EHIST"
 *   fit(xs, ys, confidence) -> {...} | nil, err, "EFIT"
 *   t_quantile(p, df) -> number
 * Histogram methods: record(v [, n]), merge(other), quantile(q), count(),
 * mean(), min(), max(), clamped(), settings(), serialize().
 */
#include <lauxlib.h>
#include <lua.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_push.h"
#include "metrics_fit.h"
#include "metrics_hist.h"
#include "metrics_stats.h"

#define HIST_MT "omni.metrics.histogram"

/* Copies the numbers of a Lua list into a new userdata buffer (collected by
 * Lua, so raising later leaks nothing). */
static double *check_numbers(lua_State *L, int arg, size_t *n) {
  luaL_checktype(L, arg, LUA_TTABLE);
  *n = (size_t)luaL_len(L, arg);
  double *v = lua_newuserdatauv(L, (*n ? *n : 1) * sizeof *v, 0);
  for (size_t i = 0; i < *n; i++) {
    if (lua_geti(L, arg, (lua_Integer)i + 1) != LUA_TNUMBER) /* no string coercion */
      luaL_error(L, "bad argument #%d (element %d is a %s, not a number)", arg, (int)i + 1,
                 luaL_typename(L, -1));
    v[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return v;
}

static int metrics_stats_l(lua_State *L) {
  size_t n, np;
  const double *v = check_numbers(L, 1, &n);
  const double *p = check_numbers(L, 2, &np);
  double *out = lua_newuserdatauv(L, (np ? np : 1) * sizeof *out, 0);
  metrics_stats s;
  int rc = metrics_stats_compute(v, n, p, np, &s, out);
  if (rc == -1)
    return luaL_error(L, "out of memory");
  if (rc == -2)
    return luaL_argerror(L, 1, "a value is NaN");
  if (rc == -3)
    return luaL_argerror(L, 2, "percentiles must be in [0, 100]");
  push_stats(L, &s, out, np);
  return 1;
}

static metrics_hist *check_hist(lua_State *L, int i) {
  metrics_hist *h = luaL_checkudata(L, i, HIST_MT);
  if (h->counts == NULL)
    luaL_error(L, "attempt to use a closed histogram");
  return h;
}

static metrics_hist *new_hist(lua_State *L) {
  metrics_hist *h = lua_newuserdatauv(L, sizeof *h, 0);
  memset(h, 0, sizeof *h); /* closed until initialized */
  luaL_setmetatable(L, HIST_MT);
  return h;
}

static int metrics_histogram_l(lua_State *L) {
  int digits = (int)luaL_checkinteger(L, 1);
  double resolution = luaL_checknumber(L, 2), highest = luaL_checknumber(L, 3);
  metrics_hist *h = new_hist(L);
  int rc = metrics_hist_init(h, digits, resolution, highest);
  if (rc == -2)
    return luaL_error(L, "out of memory");
  if (rc != 0) {
    char why[200]; /* lua_pushfstring has no %g */
    snprintf(why, sizeof why,
             "bad histogram settings (digits %d: 1..5; resolution %g > 0; highest %g: at least "
             "2 resolutions)",
             digits, resolution, highest);
    return luaL_error(L, "%s", why);
  }
  return 1;
}

static int metrics_histogram_decode_l(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  metrics_hist *h = new_hist(L);
  char err[160];
  if (metrics_hist_decode(text, len, h, err, sizeof err) != 0) {
    return push_fail(L, err, "EHIST");
  }
  return 1;
}

static int hist_record(lua_State *L) {
  metrics_hist *h = check_hist(L, 1);
  double v = luaL_checknumber(L, 2);
  lua_Integer n = luaL_optinteger(L, 3, 1);
  if (metrics_hist_record(h, v, (int64_t)n) != 0)
    return luaL_error(L, "cannot record %f (x%I): values must be >= 0 and counts >= 0", v, n);
  return 0;
}

static int hist_merge(lua_State *L) {
  metrics_hist *h = check_hist(L, 1), *o = check_hist(L, 2);
  if (metrics_hist_merge(h, o) != 0) {
    char why[240];
    snprintf(why, sizeof why,
             "cannot merge histograms with different settings (digits %d/%d, resolution %g/%g, "
             "highest %g/%g)",
             h->digits, o->digits, h->resolution, o->resolution, (double)h->highest * h->resolution,
             (double)o->highest * o->resolution);
    return luaL_error(L, "%s", why);
  }
  lua_settop(L, 1);
  return 1;
}

static int hist_quantile(lua_State *L) {
  metrics_hist *h = check_hist(L, 1);
  double q = luaL_checknumber(L, 2);
  luaL_argcheck(L, q >= 0 && q <= 1, 2, "quantile must be in [0, 1]");
  lua_pushnumber(L, metrics_hist_quantile(h, q));
  return 1;
}

static int hist_count(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_hist(L, 1)->total);
  return 1;
}

static int hist_mean(lua_State *L) {
  lua_pushnumber(L, metrics_hist_mean(check_hist(L, 1)));
  return 1;
}

static int hist_min(lua_State *L) {
  lua_pushnumber(L, metrics_hist_min(check_hist(L, 1)));
  return 1;
}

static int hist_max(lua_State *L) {
  lua_pushnumber(L, metrics_hist_max(check_hist(L, 1)));
  return 1;
}

static int hist_clamped(lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_hist(L, 1)->clamped);
  return 1;
}

static int hist_settings(lua_State *L) {
  metrics_hist *h = check_hist(L, 1);
  lua_createtable(L, 0, 3);
  set_int_field(L, "digits", h->digits);
  set_num_field(L, "resolution", h->resolution);
  set_num_field(L, "highest", (double)h->highest * h->resolution);
  return 1;
}

/* A malloc'd buffer owned by a userdata, so a raise while pushing frees it. */
static int owned_gc(lua_State *L) {
  char **p = lua_touserdata(L, 1);
  free(*p);
  *p = NULL;
  return 0;
}

static int hist_encode(lua_State *L) {
  metrics_hist *h = check_hist(L, 1);
  char **box = lua_newuserdatauv(L, sizeof *box, 0); // [h, box]
  *box = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, owned_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  size_t len;
  if (metrics_hist_encode(h, box, &len) != 0)
    return luaL_error(L, "out of memory");
  lua_pushlstring(L, *box, len); // [h, box, text]
  free(*box);
  *box = NULL;
  return 1;
}

static int hist_gc(lua_State *L) {
  metrics_hist *h = luaL_checkudata(L, 1, HIST_MT);
  metrics_hist_free(h); /* sets counts to NULL: a second call does nothing */
  return 0;
}

static const luaL_Reg metrics_functions[] = {{"stats", metrics_stats_l},
                                             {"histogram", metrics_histogram_l},
                                             {"histogram_decode", metrics_histogram_decode_l},
                                             {NULL, NULL}};
static const luaL_Reg hist_methods[] = {
    {"record", hist_record},    {"merge", hist_merge},     {"quantile", hist_quantile},
    {"count", hist_count},      {"mean", hist_mean},       {"min", hist_min},
    {"max", hist_max},          {"clamped", hist_clamped}, {"settings", hist_settings},
    {"serialize", hist_encode}, {"close", hist_gc},        {NULL, NULL}};
static const luaL_Reg hist_meta[] = {{"__gc", hist_gc}, {"__close", hist_gc}, {NULL, NULL}};

static int metrics_fit_l(lua_State *L) {
  size_t nx, ny;
  const double *x = check_numbers(L, 1, &nx);
  const double *y = check_numbers(L, 2, &ny);
  double confidence = luaL_optnumber(L, 3, 0.95);
  luaL_argcheck(L, nx == ny, 2, "xs and ys must have the same length");
  luaL_argcheck(L, confidence > 0 && confidence < 1, 3, "confidence must be in (0, 1)");
  metrics_fit f;
  int rc = metrics_fit_linear(x, y, nx, confidence, &f);
  if (rc != 0) {
    return push_fail(L,
                     rc == -1   ? "cannot fit a line: fewer than 2 points"
                     : rc == -2 ? "cannot fit a line: all x values are equal"
                                : "cannot fit a line: a value is NaN or infinite",
                     "EFIT");
  }
  lua_createtable(L, 0, 10);
  set_int_field(L, "n", (lua_Integer)f.n);
  set_int_field(L, "df", f.df);
  set_num_field(L, "slope", f.slope);
  set_num_field(L, "intercept", f.intercept);
  set_num_field(L, "r2", f.r2);
  set_num_field(L, "slope_stderr", f.slope_stderr);
  set_num_field(L, "intercept_stderr", f.intercept_stderr);
  set_num_field(L, "t", f.t);
  set_num_field(L, "slope_lo", f.slope_lo);
  set_num_field(L, "slope_hi", f.slope_hi);
  set_num_field(L, "confidence", confidence);
  return 1;
}

static int metrics_t_quantile_l(lua_State *L) {
  double p = luaL_checknumber(L, 1), df = luaL_checknumber(L, 2);
  luaL_argcheck(L, p > 0 && p < 1, 1, "p must be in (0, 1)");
  luaL_argcheck(L, df > 0, 2, "degrees of freedom must be > 0");
  lua_pushnumber(L, metrics_t_quantile(p, df));
  return 1;
}

int luaopen_omni_core_metrics(lua_State *L) {
  luaL_newmetatable(L, HIST_MT);
  luaL_setfuncs(L, hist_meta, 0);
  luaL_newlib(L, hist_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newlib(L, metrics_functions);
  lua_pushcfunction(L, metrics_fit_l);
  lua_setfield(L, -2, "fit");
  lua_pushcfunction(L, metrics_t_quantile_l);
  lua_setfield(L, -2, "t_quantile");
  return 1;
}
