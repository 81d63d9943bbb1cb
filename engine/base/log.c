/* Human output on stderr: levels, -q/-v, colour on a terminal (NO_COLOR honoured). */
#include "log.h"
#include "term.h"
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int g_verbosity = 0;
static bool g_color = false;

void mend_log_init(int verbosity, bool color)
{
    const char *no_color = getenv("NO_COLOR");
    g_verbosity = verbosity;
    g_color = color && !(no_color && *no_color);
}

bool mend_log_enabled(mend_log_level level)
{
    if (level >= MEND_LOG_WARN)
        return true;
    if (level == MEND_LOG_INFO)
        return g_verbosity >= 0;
    return g_verbosity >= 1;
}

void mend_log_set_color(bool on)
{
    g_color = on;
}

bool mend_log_color(void)
{
    return g_color;
}

void mend_log_msg(mend_log_level level, const char *msg)
{
    if (!mend_log_enabled(level))
        return;
    static const char *const prefix[] = {"debug: ", "", "warning: ", "error: "};
    static const char *const color[] = {"\033[2m", "", "\033[33m", "\033[31m"};
    bool colored = g_color && level != MEND_LOG_INFO;
    mend_progress_hide();
    fprintf(stderr, "%s%s", colored ? color[level] : "", prefix[level]);
    mend_term_puts(stderr, msg ? msg : "", MEND_TERM_KEEP_LINES);
    fputs(colored ? "\033[0m\n" : "\n", stderr);
    mend_progress_show();
    fflush(stderr);
}

void mend_log(mend_log_level level, const char *fmt, ...)
{
    if (!mend_log_enabled(level))
        return;
    char small[1024];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    char *buf = small;
    /* Long lines (a policy name can be any length) are printed whole, not cut. */
    if (n >= (int)sizeof small && (buf = malloc((size_t)n + 1)) != NULL)
        vsnprintf(buf, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    mend_log_msg(level, buf ? buf : small);
    if (buf != small)
        free(buf);
}
