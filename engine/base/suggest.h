/* "Did you mean": the candidate nearest a mistyped word by edit distance. */
#ifndef MEND_SUGGEST_H
#define MEND_SUGGEST_H

#include <stddef.h>

/* The candidate a mistyped word most likely meant (one edit in a word of up to 4 bytes, two up
 * to 8, three beyond; an adjacent swap is one edit), or NULL when none is that close. */
const char *mend_suggest(const char *word, const char *const *candidates, size_t n);

#endif
