/* Small pushes that every binding makes: a table field, a list of numbers,
 * the `nil, message, code` of an expected failure, a stats table. Shared by
 * the bindings; not a Lua module itself (it defines no luaopen_omni_core_*,
 * so cmake/preload.cmake does not register it). */
#ifndef OMNILUA_LUA_PUSH_H
#define OMNILUA_LUA_PUSH_H
#include <lua.h>
#include <stddef.h>

#include "metrics_stats.h"

/* t[key] = v for the table on top of the stack. */
void set_int_field(lua_State *L, const char *key, lua_Integer v);
void set_num_field(lua_State *L, const char *key, lua_Number v);
void set_str_field(lua_State *L, const char *key, const char *v);
void set_bool_field(lua_State *L, const char *key, int v);

/* Pushes the list {v[0], ..., v[n-1]}. */
void push_number_list(lua_State *L, const double *v, size_t n);

/* Pushes nil, why, code and returns 3: an expected failure
 * (docs/contributing/architecture.md, Errors). */
int push_fail(lua_State *L, const char *why, const char *code);

/* Pushes {count, mean, median, std, min, max, percentiles = {pct_values}}
 * (what metrics_stats_compute gave, one value per requested percentile). */
void push_stats(lua_State *L, const metrics_stats *s, const double *pct_values, size_t np);

#endif
