/* Test builds only (MEND_TEST_SEAMS): stand-ins for System32's tools named by the environment. */
#include "win_internal.h"

#include <stdlib.h>
#include <wchar.h>

const bool win_seams_enabled = true;

/* $MEND_NETSH for netsh.exe, $MEND_GPUPDATE for gpupdate.exe (Wine has neither tool). */
wchar_t *win_seam_tool(const wchar_t *exe)
{
    const wchar_t *var = _wcsicmp(exe, L"netsh.exe") == 0 ? L"MEND_NETSH"
                       : _wcsicmp(exe, L"gpupdate.exe") == 0 ? L"MEND_GPUPDATE"
                                                       : NULL;
    DWORD n = var ? GetEnvironmentVariableW(var, NULL, 0) : 0;
    if (n <= 1)
        return NULL;
    wchar_t *p = malloc(n * sizeof *p);
    if (p && GetEnvironmentVariableW(var, p, n) == n - 1)
        return p;
    free(p);
    return NULL;
}
