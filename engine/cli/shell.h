/* mend shell: an interactive Lua prompt on the engine a run would build. */
#ifndef MEND_SHELL_H
#define MEND_SHELL_H

#include <stddef.h>

#include "engine.h"
#include "lua_host.h"

/* Reads, evaluates and prints until end of input (Ctrl-D on an empty line). Each statement
 * runs under the --timeout limit on its own. Returns 0 with *ret = 0 when the user left;
 * 2 with a message in err if the shell could not run at all. */
int mend_shell_run(mend_lua *ml, mend_engine *eng, char *err, size_t errlen, int *ret);

#endif
