/* UTF-8 <-> UTF-16 for the win32 backend (Lua speaks UTF-8, the API UTF-16). */
#include "win_internal.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

wchar_t *win_wide_n(const char *s, size_t len, size_t *nunits, mend_err *e)
{
    if (len > INT_MAX / 2) {
        mend_err_set(e, MEND_E_INVALID, 0, "the text is too long (%lu bytes)", (unsigned long)len);
        return NULL;
    }
    int n = 0;
    if (len > 0) {
        n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)len, NULL, 0);
        if (n <= 0) {
            mend_err_set(e, MEND_E_INVALID, 0, "the text is not valid UTF-8");
            return NULL;
        }
    }
    wchar_t *w = malloc(((size_t)n + 1) * sizeof *w);
    if (!w) {
        win_err_oom(e);
        return NULL;
    }
    if (n > 0)
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)len, w, n);
    w[n] = L'\0';
    if (nunits)
        *nunits = (size_t)n;
    return w;
}

wchar_t *win_wide(const char *s, mend_err *e)
{
    return win_wide_n(s ? s : "", s ? strlen(s) : 0, NULL, e);
}

char *win_utf8(const wchar_t *w, int n)
{
    if (!w)
        w = L"";
    if (n < 0)
        n = (int)wcslen(w);
    int len = n > 0 ? WideCharToMultiByte(CP_UTF8, 0, w, n, NULL, 0, NULL, NULL) : 0;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return NULL;
    if (len > 0)
        WideCharToMultiByte(CP_UTF8, 0, w, n, s, len, NULL, NULL);
    s[len] = '\0';
    return s;
}

bool win_ieq(const wchar_t *a, const wchar_t *b)
{
    return CompareStringOrdinal(a, -1, b, -1, TRUE) == CSTR_EQUAL;
}

bool win_icontains(const wchar_t *hay, const wchar_t *needle)
{
    int nh = (int)wcslen(hay), nn = (int)wcslen(needle);
    for (int i = 0; i + nn <= nh; i++)
        if (CompareStringOrdinal(hay + i, nn, needle, nn, TRUE) == CSTR_EQUAL)
            return true;
    return false;
}
