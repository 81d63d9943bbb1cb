/* The release build's test seams: none. Nothing from the environment picks what mend.exe runs. */
#include "win_internal.h"

const bool win_seams_enabled = false;

wchar_t *win_seam_tool(const wchar_t *exe)
{
    (void)exe;
    return NULL;
}
