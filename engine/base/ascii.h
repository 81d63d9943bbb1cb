/* ASCII case folding: Windows names (services, processes, registry keys, policies) compare
 * without case, ASCII letters only, whatever the C locale says. */
#ifndef MEND_ASCII_H
#define MEND_ASCII_H

#include <stdbool.h>
#include <stddef.h>

/* c with A-Z as a-z; every other value unchanged. */
int mend_ascii_lower(int c);
/* strcmp / strncmp with A-Z folded to a-z. */
int mend_ascii_casecmp(const char *a, const char *b);
int mend_ascii_ncasecmp(const char *a, const char *b, size_t n);
/* Equal, ASCII letters in any case. */
bool mend_ascii_ieq(const char *a, const char *b);
/* s (len bytes) starts with prefix, ASCII letters in any case. */
bool mend_ascii_istarts(const char *s, size_t len, const char *prefix);

#endif
