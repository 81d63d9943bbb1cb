/* Lua values as compact JSON text, byte for byte what cJSON_PrintUnformatted printed for the
 * tree mend.step and mend.report_data used to build (no tree is built now). */
#ifndef MEND_LUA_JSON_H
#define MEND_LUA_JSON_H

#include <lua.h>
#include <stdbool.h>

#include "buf.h"

/* Tables nested deeper than this come out as "(nested too deep)". */
#define BIND_JSON_MAX_DEPTH 8

/* Appends the value at idx, found at nesting depth (0 = the value itself), to b. Strings that
 * are not UTF-8 (or hold a NUL) have every byte outside ASCII turned to '?'; a table 1..n (or
 * empty) is an array, any other an object of its string keys in strcmp order; functions and
 * other non-data values are their type name. May raise (stack, memory); b is the caller's. */
void bind_json_value(lua_State *L, int idx, mend_buf *b, int depth);

/* The object members of the table at idx ("k":v,... without braces) except the keys in skip
 * (NULL-terminated; NULL = none), each value at depth, keys in strcmp order (a report's key
 * order must not follow Lua's seeded hash order). Returns how many were written. */
size_t bind_json_members(lua_State *L, int idx, mend_buf *b, int depth, const char *const *skip);

/* The members named by keys (n of them, strings alive in the table; sorted here in place). */
void bind_json_keys(lua_State *L, int idx, mend_buf *b, int depth, const char **keys, size_t n);

/* The keys of the table at idx that are not strings (integers, floats, booleans), as members
 * named by their text: floats and booleans first, then the integers in order; a comma first
 * when comma is set. What an object table writes after its string keys. */
void bind_json_other_keys(lua_State *L, int idx, mend_buf *b, int depth, bool comma);

/* The text a string value is recorded as: s itself when it is UTF-8 without a NUL, else a copy
 * pushed on the stack with every byte outside ASCII (and each NUL) as '?'. Sets *len. */
const char *bind_json_text(lua_State *L, int idx, size_t *len);

#endif
