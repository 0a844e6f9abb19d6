/*
 * libFuzzer target: the JSON config loaders written in Lua (nightly.json's
 * validation and expansion, weekly.json's validation), fed through cjson and
 * omni.yaml as the real loaders do. They must turn any input into either a
 * config or `nil, message`; raising instead (an internal error such as
 * indexing a number) aborts, so the fuzzer reports it with the input.
 */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

static const char driver[] = "local text = ...\n"
                             "local cjson = require 'cjson'\n"
                             "local ok, data = pcall(cjson.decode, text)\n"
                             "if not ok then return end\n"
                             "local nightly = require 'omni.bench.nightly'\n"
                             "local typed = require('omni.yaml').load(text)\n"
                             "if typed ~= nil then nightly.expand(typed, 'fuzz.json') end\n"
                             "nightly.expand(data, 'fuzz.json')\n"
                             "local weekly = require 'omni.soak.config'\n"
                             "ok, data = pcall(cjson.decode, text)\n"
                             "weekly.validate(weekly.integers(data), 'fuzz.json', '.')\n";

static lua_State *L;

/* The same state omnilua's main.c builds: stdlib found next to the binary
 * (the build tree links stdlib/ there), every binding preloaded. */
static void setup(void) {
  if (host_init("fuzz_lua_configs") != 0) {
    fprintf(stderr, "%s\n", host_error());
    abort();
  }
  L = luaL_newstate();
  host_open_libs(L);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L == NULL)
    setup();
  if (luaL_loadbuffer(L, driver, sizeof driver - 1, "=fuzz_driver") != LUA_OK)
    abort();
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    fprintf(stderr, "config loader raised instead of returning nil, err: %s\n",
            lua_tostring(L, -1));
    abort();
  }
  lua_settop(L, 0);
  return 0;
}
