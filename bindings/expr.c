/*
 * omni.core.expr: pytest's -m / -k expressions, compiled once in C and matched
 * against each test's marks or keywords without allocating.
 *
 *   local e, err = expr.compile("gpu and not slow", "m")   -- or nil, "at column ..."
 *   e:match_marks({ "gpu", { name = "timeout", kwargs = { seconds = 5 } } })
 *   e:match_keywords({ "test_a.lua", "square[2]" })
 */
#include <lauxlib.h>
#include <string.h>

#include "expr.h"

#define EXPR_MT "omni.core.expr"

typedef struct {
  expr *e; /* NULL until compiled, and again after __gc */
} expr_ud;

/* What a callback needs: the state and the stack index of the list. */
typedef struct {
  lua_State *L;
  int list;
} match_ctx;

static expr_ud *check_expr(lua_State *L, int i) {
  expr_ud *u = luaL_checkudata(L, i, EXPR_MT);
  if (!u->e)
    luaL_error(L, "attempt to use a freed expression");
  return u;
}

/* expr.compile(src [, kind = "m"|"k"]) -> compiled | nil, message */
static int expr_compile_l(lua_State *L) {
  static const char *const kinds[] = {"m", "k", NULL};
  size_t len;
  const char *src = luaL_checklstring(L, 1, &len);
  int kind = luaL_checkoption(L, 2, "m", kinds);
  /* The userdata exists before the program does, so a memory error while
   * creating it cannot leak the program. */
  expr_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->e = NULL;
  luaL_setmetatable(L, EXPR_MT);
  char err[512];
  int st = expr_compile(src, len, &u->e, err, sizeof err);
  if (st == EXPR_ENOMEM)
    return luaL_error(L, "not enough memory");
  if (st != EXPR_OK) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  if (kind == 1 && expr_has_calls(u->e)) {
    expr_free(u->e);
    u->e = NULL;
    lua_pushnil(L);
    lua_pushliteral(L, "Keyword expressions do not support call parameters.");
    return 2;
  }
  return 1;
}

/* Python equality between a call value and the mark's kwarg on top of the
 * stack (so True == 1 and 5 == 5.0, as `mark.kwargs.get(k) == v` in pytest). */
static int kwarg_equals(lua_State *L, const expr_kwarg *kw) {
  int t = lua_type(L, -1);
  switch (kw->type) {
  case EXPR_VAL_STR:
    if (t == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      return n == kw->str_len && memcmp(s, kw->str, n) == 0;
    }
    return 0;
  case EXPR_VAL_INT:
    if (kw->num_overflows)
      return 0;
    if (t == LUA_TBOOLEAN)
      return kw->num == lua_toboolean(L, -1);
    if (t != LUA_TNUMBER)
      return 0;
    if (lua_isinteger(L, -1))
      return lua_tointeger(L, -1) == kw->num;
    return lua_tonumber(L, -1) == (lua_Number)kw->num;
  case EXPR_VAL_TRUE:
  case EXPR_VAL_FALSE: {
    int want = kw->type == EXPR_VAL_TRUE;
    if (t == LUA_TBOOLEAN)
      return lua_toboolean(L, -1) == want;
    return t == LUA_TNUMBER && lua_tonumber(L, -1) == (lua_Number)want;
  }
  case EXPR_VAL_NONE:
    /* Lua tables cannot hold nil: None matches cjson.null (a NULL lightuserdata). */
    return t == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == NULL;
  }
  return 0;
}

/* The mark table on top of the stack: does its name match, and (for a call)
 * does its `kwargs` table hold every given k=v? */
static int mark_table_matches(lua_State *L, const expr_ident *id, lua_Integer i) {
  if (lua_getfield(L, -1, "name") != LUA_TSTRING)
    return luaL_error(L, "bad mark #%d (field 'name' must be a string)", (int)i);
  size_t n;
  const char *name = lua_tolstring(L, -1, &n);
  int same = n == id->len && memcmp(name, id->name, n) == 0;
  lua_pop(L, 1);
  if (!same || !id->is_call)
    return same;
  if (lua_getfield(L, -1, "kwargs") != LUA_TTABLE) {
    lua_pop(L, 1);
    return 0;
  }
  int all = 1;
  for (size_t k = 0; all && k < id->nkwargs; k++) {
    lua_getfield(L, -1, id->kwargs[k].name); // [mark, kwargs, value]
    all = kwarg_equals(L, &id->kwargs[k]);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return all;
}

static int mark_ident(void *ud, const expr_ident *id) {
  match_ctx *c = ud;
  lua_State *L = c->L;
  lua_Integer n = (lua_Integer)lua_rawlen(L, c->list);
  for (lua_Integer i = 1; i <= n; i++) {
    int t = lua_rawgeti(L, c->list, i);
    int hit = 0;
    if (t == LUA_TSTRING) {
      size_t len;
      const char *s = lua_tolstring(L, -1, &len);
      /* a bare mark has no kwargs, so a call (always >= 1 kwarg) never matches it */
      hit = !id->is_call && len == id->len && memcmp(s, id->name, len) == 0;
    } else if (t == LUA_TTABLE) {
      hit = mark_table_matches(L, id, i);
    } else {
      return luaL_error(L, "bad mark #%d (string or table expected, got %s)", (int)i,
                        lua_typename(L, t));
    }
    lua_pop(L, 1);
    if (hit)
      return 1;
  }
  return 0;
}

/* compiled:match_marks(marks) -> boolean */
static int expr_match_marks_l(lua_State *L) {
  expr_ud *u = check_expr(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  match_ctx c = {L, 2};
  lua_pushboolean(L, expr_eval(u->e, mark_ident, &c));
  return 1;
}

static int keyword_ident(void *ud, const expr_ident *id) {
  match_ctx *c = ud;
  lua_State *L = c->L;
  if (id->is_call)
    return luaL_error(L, "Keyword expressions do not support call parameters.");
  lua_Integer n = (lua_Integer)lua_rawlen(L, c->list);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, c->list, i) != LUA_TSTRING)
      return luaL_error(L, "bad keyword #%d (string expected, got %s)", (int)i,
                        luaL_typename(L, -1));
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    int hit = expr_contains_nocase(s, len, id->lower, id->len);
    lua_pop(L, 1);
    if (hit)
      return 1;
  }
  return 0;
}

/* compiled:match_keywords(words) -> boolean */
static int expr_match_keywords_l(lua_State *L) {
  expr_ud *u = check_expr(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  match_ctx c = {L, 2};
  lua_pushboolean(L, expr_eval(u->e, keyword_ident, &c));
  return 1;
}

/* compiled:names() -> { ident names in source order } */
static int expr_names_l(lua_State *L) {
  expr_ud *u = check_expr(L, 1);
  size_t n = expr_ident_count(u->e);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const expr_ident *id = expr_ident_at(u->e, i);
    lua_pushlstring(L, id->name, id->len);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int expr_gc_l(lua_State *L) {
  expr_ud *u = luaL_checkudata(L, 1, EXPR_MT);
  expr_free(u->e);
  u->e = NULL;
  return 0;
}

static int expr_tostring_l(lua_State *L) {
  expr_ud *u = luaL_checkudata(L, 1, EXPR_MT);
  lua_pushfstring(L, "omni.core.expr (%p)%s", (void *)u, u->e ? "" : " (freed)");
  return 1;
}

static const luaL_Reg expr_functions[] = {{"compile", expr_compile_l}, {NULL, NULL}};
static const luaL_Reg expr_methods[] = {{"match_marks", expr_match_marks_l},
                                        {"match_keywords", expr_match_keywords_l},
                                        {"names", expr_names_l},
                                        {NULL, NULL}};
static const luaL_Reg expr_metamethods[] = {
    {"__gc", expr_gc_l}, {"__tostring", expr_tostring_l}, {NULL, NULL}};

static void create_meta(lua_State *L) {
  luaL_newmetatable(L, EXPR_MT);
  luaL_setfuncs(L, expr_metamethods, 0);
  luaL_newlib(L, expr_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

int luaopen_omni_core_expr(lua_State *L) {
  create_meta(L);
  luaL_newlib(L, expr_functions);
  return 1;
}
