/* Text for people's terminals: control characters shown as escapes, never sent raw. */
#include "term.h"

#include <string.h>

void mend_term_puts(FILE *out, const char *s, int flags)
{
    if (!s)
        return;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t run = 0;
        /* Write the longest run that needs no escaping in one go. */
        while (p[run] >= 0x20 && p[run] != 0x7f && !(p[run] == 0xC2 && p[run + 1] >= 0x80 && p[run + 1] <= 0x9F))
            run++;
        if (run) {
            fwrite(p, 1, run, out);
            p += run;
            continue;
        }
        if ((flags & MEND_TERM_KEEP_LINES) && (*p == '\n' || *p == '\t')) {
            fputc(*p++, out);
        } else if (*p == 0xC2) {           /* a C1 control, U+0080..U+009F */
            fprintf(out, "\\u00%02X", p[1]);
            p += 2;
        } else if (*p == '\n') {
            fputs("\\n", out);
            p++;
        } else if (*p == '\r') {
            fputs("\\r", out);
            p++;
        } else if (*p == '\t') {
            fputs("\\t", out);
            p++;
        } else {
            fprintf(out, "\\x%02X", *p++);
        }
    }
}
