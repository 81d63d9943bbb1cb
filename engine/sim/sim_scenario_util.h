/* Helpers that read scenario fields with errors naming the field and the problem. */
#ifndef MEND_SIM_SCENARIO_UTIL_H
#define MEND_SIM_SCENARIO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lauxlib.h>
#include <lua.h>

#include "sim_internal.h"

typedef struct sc_ctx {
    lua_State *L;
    sim_machine *m;
    mend_err *e;
    bool failed;
} sc_ctx;

int sc_fail(sc_ctx *c, const char *fmt, ...) MEND_PRINTF(2, 3);
int sc_oom(sc_ctx *c);

/* Pushes t[key] when it is a table (1), pushes nothing when nil (0), fails otherwise (-1). */
int sc_open_table(sc_ctx *c, int t, const char *key);
/* Same for a list (keys 1..n only); *n gets its length. where names the parent (NULL = top). */
int sc_open_list(sc_ctx *c, int t, const char *where, const char *key, size_t *n);
/* Pushes item i of the list on top of the stack; it must be a table. */
int sc_list_item_table(sc_ctx *c, size_t i, const char *where);
/* Every key of table t must be one of allowed (NULL-terminated). */
int sc_check_keys(sc_ctx *c, int t, const char *where, const char *const *allowed);

/* Optional fields: absent leaves *out as it is (strings: def copied, or NULL). */
int sc_opt_string(sc_ctx *c, int t, const char *where, const char *key, char **out, const char *def);
int sc_opt_bool(sc_ctx *c, int t, const char *where, const char *key, bool *out);
int sc_opt_number(sc_ctx *c, int t, const char *where, const char *key, double *out);
int sc_opt_u32(sc_ctx *c, int t, const char *where, const char *key, uint32_t *out);
int sc_opt_u32_has(sc_ctx *c, int t, const char *where, const char *key, uint32_t *out, bool *has);
/* A list of strings (and, with allow_int, integers kept as their decimal text). */
int sc_string_list(sc_ctx *c, int t, const char *where, const char *key, sim_strlist *out, bool allow_int);

#endif
