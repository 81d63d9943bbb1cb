/* Windows error numbers to mend errors: FormatMessageW text, the stable code, " (0xNN)". */
#include "win_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Windows' text for code in English when FormatMessageW knows it, else mend's own table. */
static void win_text(DWORD code, char *out, size_t size)
{
    wchar_t buf[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, code,
                             MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), buf,
                             sizeof buf / sizeof buf[0], NULL);
    while (n > 0 && (buf[n - 1] == L'\r' || buf[n - 1] == L'\n' || buf[n - 1] == L' '))
        n--;
    if (n > 0) {
        int len = WideCharToMultiByte(CP_UTF8, 0, buf, (int)n, out, (int)size - 1, NULL, NULL);
        if (len > 0) {
            out[len] = '\0';
            return;
        }
    }
    const char *t = mend_win32_text(code);
    snprintf(out, size, "%s", t ? t : "Windows reported an error.");
}

/* Whether this process runs elevated (asked once). */
static bool elevated(void)
{
    static int known = -1;
    if (known < 0) {
        bool admin = false;
        mend_err ignored;
        known = win_sys_is_admin(NULL, &admin, &ignored) == 0 && admin;
    }
    return known == 1;
}

int win_err(mend_err *e, DWORD code, const char *fmt, ...)
{
    char text[MEND_MSG_MAX];
    win_text(code, text, sizeof text);
    /* Opening works unelevated; a change then fails here, and the admin should hear why. */
    if (code == ERROR_ACCESS_DENIED && !elevated()) {
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, " Run mend from an elevated prompt (Run as administrator).");
    }
    if (!fmt)
        return mend_err_set(e, mend_code_from_win32(code), code, "%s", text);
    char ctx[MEND_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    return mend_err_set(e, mend_code_from_win32(code), code, "%s: %s", ctx, text);
}

int win_err_oom(mend_err *e)
{
    return win_err(e, ERROR_NOT_ENOUGH_MEMORY, "out of memory");
}
