/* One JSON document as a whole file: cJSON's parse, refusing any bytes after the document. */
#include "json_whole.h"

#include <stdio.h>

cJSON *mend_json_parse_whole(const char *text, size_t len, char *why, size_t why_size)
{
    const char *end = NULL;
    cJSON *doc = text ? cJSON_ParseWithLengthOpts(text, len, &end, 0) : NULL;
    if (!doc) {
        size_t at = text && end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        snprintf(why, why_size, "not valid JSON (at byte offset %zu)", at);
        return NULL;
    }
    size_t at = (size_t)(end - text);
    while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r'))
        at++;
    if (at == len)
        return doc;
    cJSON_Delete(doc);
    size_t n = len - at;
    snprintf(why, why_size, "%zu byte%s follow%s its JSON document, from byte offset %zu", n, n == 1 ? "" : "s",
             n == 1 ? "s" : "", at);
    return NULL;
}
