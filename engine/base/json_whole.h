/* One JSON document read from a file: the document must be the whole file, whitespace aside. */
#ifndef MEND_JSON_WHOLE_H
#define MEND_JSON_WHOLE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* Parses text[0..len) as one JSON document followed by nothing but JSON whitespace. NULL when
 * it is not: why is then a clause for "NAME is not ...: <why>" ("not valid JSON (at byte
 * offset 12)", "35 bytes follow its JSON document, from byte offset 2048"), offsets counted
 * from 0. Bytes after the document are refused because a signature or a checksum covers the
 * document only, and what a reader skips no one reviewed. */
cJSON *mend_json_parse_whole(const char *text, size_t len, char *why, size_t why_size);

#endif
