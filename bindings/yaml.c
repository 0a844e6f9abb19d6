/*
 * omni.core.yaml: YAML text <-> Lua values over core/yaml_*.c.
 *   load(text, name) -> {doc1, doc2, ...} | nil, "name:line:col: problem", "EYAML"
 *   writer() -> a writer whose methods (null, bool, int, float, string,
 *   seq_start, seq_end, map_start, map_end) return true | nil, err, and
 *   finish() -> text | nil, err. stdlib/omni/yaml.lua walks tables with it.
 *   null: the lightuserdata NULL (the same value as cjson.null).
 *   mapping_mt: the metatable an empty mapping gets, so it dumps as {} not [].
 */
#include <lauxlib.h>
#include <lua.h>
#include <string.h>

#include "lua_push.h"
#include "yaml_emit.h"
#include "yaml_load.h"

#define TREE_MT "omni.yaml.tree"
#define WRITER_MT "omni.yaml.writer"
#define MAPPING_MT "omni.yaml.mapping"
/* Aliases can stack nested trees on each other; bound the C recursion. */
#define MAX_PUSH_DEPTH 4 * OMNI_YAML_MAX_DEPTH

static int tree_gc(lua_State *L) {
  omni_yaml_tree *t = luaL_checkudata(L, 1, TREE_MT);
  omni_yaml_tree_free(t); /* leaves it empty, so a second call does nothing */
  return 0;
}

/* Pushes node id; memo (a table at index memo) maps node ids to the tables
 * already built, so aliases share one table and recursive aliases terminate. */
static void push_node(lua_State *L, const omni_yaml_tree *t, int id, int memo, int depth) {
  const omni_yaml_node *n = &t->nodes[id];
  if (depth > MAX_PUSH_DEPTH)
    luaL_error(L, "YAML nesting (through aliases) deeper than %d levels", MAX_PUSH_DEPTH);
  luaL_checkstack(L, 4, "YAML document too deep");
  switch (n->kind) {
  case OMNI_YAML_NULL:
    lua_pushlightuserdata(L, NULL);
    return;
  case OMNI_YAML_BOOL:
    lua_pushboolean(L, n->boolean);
    return;
  case OMNI_YAML_INT:
    lua_pushinteger(L, (lua_Integer)n->integer);
    return;
  case OMNI_YAML_FLOAT:
    lua_pushnumber(L, n->number);
    return;
  case OMNI_YAML_SEQ:
  case OMNI_YAML_MAP:
    break;
  default:
    lua_pushlstring(L, n->str, n->len);
    return;
  }
  if (lua_rawgeti(L, memo, id) != LUA_TNIL)
    return;
  lua_pop(L, 1);
  lua_createtable(L, n->kind == OMNI_YAML_SEQ ? (int)n->count : 0,
                  n->kind == OMNI_YAML_MAP ? (int)n->count : 0); // [t]
  lua_pushvalue(L, -1);
  lua_rawseti(L, memo, id);
  if (n->kind == OMNI_YAML_SEQ) {
    for (size_t i = 0; i < n->count; i++) {
      push_node(L, t, n->items[i], memo, depth + 1);
      lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return;
  }
  if (n->count == 0)
    luaL_setmetatable(L, MAPPING_MT);
  for (size_t i = 0; i < n->count; i++) {
    push_node(L, t, n->pairs[i].key, memo, depth + 1);   // [t, k]
    push_node(L, t, n->pairs[i].value, memo, depth + 1); // [t, k, v]
    lua_rawset(L, -3);
  }
}

static int yaml_load_l(lua_State *L) {
  size_t len;
  const char *text = luaL_checklstring(L, 1, &len);
  const char *name = luaL_optstring(L, 2, "<string>");
  omni_yaml_tree *t = lua_newuserdatauv(L, sizeof *t, 0); // [.., tree]
  memset(t, 0, sizeof *t);
  luaL_setmetatable(L, TREE_MT);
  omni_yaml_error err;
  if (omni_yaml_load(text, len, name, t, &err) != 0) {
    return push_fail(L, err.message, "EYAML");
  }
  lua_newtable(L); // [.., tree, memo]
  int memo = lua_gettop(L);
  lua_createtable(L, (int)t->ndocs, 0); // [.., tree, memo, docs]
  for (size_t i = 0; i < t->ndocs; i++) {
    if (t->roots[i] < 0)
      lua_pushlightuserdata(L, NULL);
    else
      push_node(L, t, t->roots[i], memo, 0);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  omni_yaml_tree_free(t);
  return 1;
}

typedef struct writer_box {
  omni_yaml_writer *w;
} writer_box;

static omni_yaml_writer *check_writer(lua_State *L) {
  writer_box *b = luaL_checkudata(L, 1, WRITER_MT);
  if (b->w == NULL)
    luaL_error(L, "attempt to use a closed YAML writer");
  return b->w;
}

static int result(lua_State *L, omni_yaml_writer *w, int rc) {
  if (rc == 0) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushnil(L);
  lua_pushstring(L, omni_yaml_writer_error(w));
  return 2;
}

static int writer_null(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  return result(L, w, omni_yaml_write_null(w));
}

static int writer_bool(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  luaL_checktype(L, 2, LUA_TBOOLEAN);
  return result(L, w, omni_yaml_write_bool(w, lua_toboolean(L, 2)));
}

static int writer_number(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  luaL_checknumber(L, 2);
  if (lua_isinteger(L, 2))
    return result(L, w, omni_yaml_write_int(w, (int64_t)lua_tointeger(L, 2)));
  return result(L, w, omni_yaml_write_float(w, lua_tonumber(L, 2)));
}

static int writer_string(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  return result(L, w, omni_yaml_write_string(w, s, len));
}

static int writer_seq_start(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  return result(L, w, omni_yaml_write_seq_start(w));
}

static int writer_seq_end(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  return result(L, w, omni_yaml_write_seq_end(w));
}

static int writer_map_start(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  return result(L, w, omni_yaml_write_map_start(w));
}

static int writer_map_end(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  return result(L, w, omni_yaml_write_map_end(w));
}

static int writer_finish(lua_State *L) {
  omni_yaml_writer *w = check_writer(L);
  size_t len;
  const char *text = omni_yaml_writer_finish(w, &len);
  if (text == NULL)
    return result(L, w, -1);
  lua_pushlstring(L, text, len);
  return 1;
}

static int writer_gc(lua_State *L) {
  writer_box *b = luaL_checkudata(L, 1, WRITER_MT);
  omni_yaml_writer_free(b->w);
  b->w = NULL;
  return 0;
}

static int yaml_writer_l(lua_State *L) {
  writer_box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->w = NULL; /* closed until the writer exists */
  luaL_setmetatable(L, WRITER_MT);
  b->w = omni_yaml_writer_new();
  if (b->w == NULL)
    return luaL_error(L, "cannot create YAML writer: out of memory");
  return 1;
}

static const luaL_Reg yaml_functions[] = {
    {"load", yaml_load_l}, {"writer", yaml_writer_l}, {NULL, NULL}};
static const luaL_Reg writer_methods[] = {{"null", writer_null},
                                          {"bool", writer_bool},
                                          {"number", writer_number},
                                          {"string", writer_string},
                                          {"seq_start", writer_seq_start},
                                          {"seq_end", writer_seq_end},
                                          {"map_start", writer_map_start},
                                          {"map_end", writer_map_end},
                                          {"finish", writer_finish},
                                          {"close", writer_gc},
                                          {NULL, NULL}};
static const luaL_Reg writer_meta[] = {{"__gc", writer_gc}, {"__close", writer_gc}, {NULL, NULL}};

static void create_meta(lua_State *L) {
  luaL_newmetatable(L, TREE_MT);
  lua_pushcfunction(L, tree_gc);
  lua_setfield(L, -2, "__gc");
  lua_pop(L, 1);
  luaL_newmetatable(L, WRITER_MT);
  luaL_setfuncs(L, writer_meta, 0);
  luaL_newlib(L, writer_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  luaL_newmetatable(L, MAPPING_MT);
  lua_pushliteral(L, "omni.yaml.mapping");
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
}

int luaopen_omni_core_yaml(lua_State *L) {
  create_meta(L);
  luaL_newlib(L, yaml_functions);
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  luaL_getmetatable(L, MAPPING_MT);
  lua_setfield(L, -2, "mapping_mt");
  return 1;
}
