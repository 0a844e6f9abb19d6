#include "lua_push.h"

void set_int_field(lua_State *L, const char *key, lua_Integer v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, key);
}

void set_num_field(lua_State *L, const char *key, lua_Number v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, key);
}

void set_str_field(lua_State *L, const char *key, const char *v) {
  lua_pushstring(L, v);
  lua_setfield(L, -2, key);
}

void set_bool_field(lua_State *L, const char *key, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, key);
}

void push_number_list(lua_State *L, const double *v, size_t n) {
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, v[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

int push_fail(lua_State *L, const char *why, const char *code) {
  lua_pushnil(L);
  lua_pushstring(L, why);
  lua_pushstring(L, code);
  return 3;
}

void push_stats(lua_State *L, const metrics_stats *s, const double *pct_values, size_t np) {
  lua_createtable(L, 0, 7);
  set_int_field(L, "count", (lua_Integer)s->count);
  set_num_field(L, "mean", s->mean);
  set_num_field(L, "median", s->median);
  set_num_field(L, "std", s->std);
  set_num_field(L, "min", s->min);
  set_num_field(L, "max", s->max);
  push_number_list(L, pct_values, np);
  lua_setfield(L, -2, "percentiles");
}
