/* The tokens of a saved state: the part of Lua's table-constructor syntax mend writes. */
#ifndef MEND_SIM_STATE_LEX_H
#define MEND_SIM_STATE_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A cursor over the text. Every reader returns false on anything it does not read exactly as Lua
 * would (then the caller falls back to Lua), and never reads past end. */
typedef struct sl_cur {
    const char *p;
    const char *end;
} sl_cur;

/* A Lua number as the lexer would make it: an integer or a float. */
typedef struct sl_num {
    bool isint;
    int64_t i;
    double d;                  /* the value as lua_tonumber gives it, for both kinds */
} sl_num;

/* Skips white space; true when the next byte is c (then consumed). */
bool sl_punct(sl_cur *c, char ch);
/* Whether the next byte (after white space) is ch, without consuming it. */
bool sl_peek(sl_cur *c, char ch);
/* A name (identifier) as a key; *k points into the text. */
bool sl_name(sl_cur *c, const char **k, size_t *len);
/* A string literal, decoded into a new allocation (NUL-terminated; *len counts embedded NULs). */
bool sl_string(sl_cur *c, char **out, size_t *len);
/* A string literal decoded into buf (NUL-terminated); false when it does not fit or holds a NUL. */
bool sl_string_buf(sl_cur *c, char *buf, size_t size);
/* A string literal without NUL bytes, as a new C string. */
bool sl_cstring(sl_cur *c, char **out);
/* A numeral, with at most one leading minus. */
bool sl_number(sl_cur *c, sl_num *out);
/* true or false. */
bool sl_bool(sl_cur *c, bool *out);
/* lua_tointegerx: integers, and floats with an exact integer value. */
bool sl_num_int(const sl_num *n, int64_t *out);
/* Skips one value (a string, number, boolean or table, nested at most depth deep). */
bool sl_skip_value(sl_cur *c, int depth);
/* Skips a table by its braces and quotes alone (no comments, no long strings): the quick scan for
 * where a section ends; the section's own reading is what checks it, up to the same end. */
bool sl_skip_table(sl_cur *c);
/* Whether the cursor, past white space, is at p. */
bool sl_at(sl_cur *c, const char *p);
/* After a field: a separator (',' or ';') or the table's end, left for the caller. */
bool sl_field_end(sl_cur *c);
/* true when the text from here is only white space. */
bool sl_at_end(sl_cur *c);

/* Key comparison: the name k of length n is lit. */
#define SL_IS(k, n, lit) ((n) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

#endif
