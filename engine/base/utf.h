/* UTF-8 validation and UTF-8 <-> UTF-16LE conversion (Lua speaks UTF-8, Windows UTF-16). */
#ifndef MEND_UTF_H
#define MEND_UTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

bool mend_utf8_valid(const char *s, size_t len);

/* Converts len bytes of UTF-8 to UTF-16 code units (malloc'd, NUL-terminated; *nunits excludes
 * the NUL). Returns -1 on invalid UTF-8 or out of memory. */
int mend_utf8_to_utf16(const char *s, size_t len, uint16_t **out, size_t *nunits);

/* Converts UTF-16 code units to UTF-8 (malloc'd, NUL-terminated). Unpaired surrogates become
 * U+FFFD. Returns -1 only when out of memory. */
int mend_utf16_to_utf8(const uint16_t *w, size_t nunits, char **out, size_t *len);

#endif
