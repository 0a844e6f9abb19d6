#ifndef OMNILUA_HOST_H
#define OMNILUA_HOST_H
#include <lua.h>

/* Finds omnilua's data root (the folder that holds stdlib/, scripts/ and
 * stage_configs/): $OMNILUA_PATH, then next to the binary (build tree), then
 * ../share/omnilua under the install prefix. Returns 0 or -1 (see host_error). */
int host_init(const char *argv0);
const char *host_error(void);
const char *host_root(void);
const char *host_exe(void);
/* Prepends <root>/stdlib/?.lua and ?/init.lua to package.path. */
void host_set_package_path(lua_State *L);
/* Opens the standard libraries, preloads cjson and every omni.core.<name>
 * binding, and sets package.path: the environment every omnilua state
 * (the CLI, the Lua fuzz targets) runs in. */
void host_open_libs(lua_State *L);

#endif
