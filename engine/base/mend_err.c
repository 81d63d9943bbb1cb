/* The error type: formatting, stable code names, Windows texts. */
#include "mend_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct { uint32_t code; const char *text; } win_texts[] = {
    { 2u, "The system cannot find the file specified." },
    { 3u, "The system cannot find the path specified." },
    { 5u, "Access is denied." },
    { 13u, "The data is invalid." },
    { 87u, "The parameter is incorrect." },
    { 183u, "Cannot create a file when that file already exists." },
    { 1051u, "A stop control has been sent to a service that other running services are dependent on." },
    { 1053u, "The service did not respond to the start or control request in a timely fashion." },
    { 1056u, "An instance of the service is already running." },
    { 1060u, "The specified service does not exist as an installed service." },
    { 1062u, "The service has not been started." },
    { 1392u, "The file or directory is corrupted and unreadable." },
    { 13000u, "The specified quick mode policy already exists." },
    { 13001u, "The specified quick mode policy was not found." },
    { 13002u, "The specified quick mode policy is being used." },
    { 13023u, "The Quick Mode policy is pending deletion." },
};

const char *mend_win32_text(uint32_t win32)
{
    for (size_t i = 0; i < sizeof win_texts / sizeof win_texts[0]; i++)
        if (win_texts[i].code == win32)
            return win_texts[i].text;
    return NULL;
}

mend_code mend_code_from_win32(uint32_t win32)
{
    switch (win32) {
    case 0: return MEND_OK;
    case 2u: case 3u: case 1060u: case 13001u: return MEND_E_NOT_FOUND;
    case 5u: return MEND_E_ACCESS_DENIED;
    case 13u: case 87u: return MEND_E_INVALID;
    case 183u: case 1056u: case 13000u: return MEND_E_EXISTS;
    case 1051u: case 13002u: return MEND_E_IN_USE;
    case 1053u: return MEND_E_TIMEOUT;
    case 13023u: return MEND_E_PENDING_DELETION;
    /* The rest of winerror.h's IPsec SPD block (13000-13023), by what each says. */
    case 13003u: case 13006u: case 13008u: case 13010u: case 13016u: return MEND_E_EXISTS;
    case 13004u: case 13007u: case 13009u: case 13011u: case 13013u: case 13014u: case 13015u:
    case 13017u: return MEND_E_NOT_FOUND;
    case 13005u: case 13012u: return MEND_E_IN_USE;
    case 13018u: case 13019u: case 13020u: case 13021u: case 13022u: return MEND_E_PENDING_DELETION;
    default: return MEND_E_IO;
    }
}

static const char *const code_names[] = {
    [MEND_OK] = "ok",
    [MEND_E_NOT_FOUND] = "not_found",
    [MEND_E_PENDING_DELETION] = "pending_deletion",
    [MEND_E_IN_USE] = "in_use",
    [MEND_E_ACCESS_DENIED] = "access_denied",
    [MEND_E_TIMEOUT] = "timeout",
    [MEND_E_NOT_PERMITTED] = "not_permitted",
    [MEND_E_EXISTS] = "exists",
    [MEND_E_UNSUPPORTED] = "unsupported",
    [MEND_E_IO] = "io",
    [MEND_E_INVALID] = "invalid",
};

const char *mend_code_name(mend_code code)
{
    if ((unsigned)code < sizeof code_names / sizeof code_names[0] && code_names[code])
        return code_names[code];
    return "io";
}

void mend_err_clear(mend_err *e)
{
    if (!e)
        return;
    e->code = MEND_OK;
    e->win32 = 0;
    e->msg[0] = '\0';
}

int mend_err_set(mend_err *e, mend_code code, uint32_t win32, const char *fmt, ...)
{
    if (!e)
        return -1;
    e->code = code;
    e->win32 = win32;
    e->msg[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    } else {
        const char *t = mend_win32_text(win32);
        snprintf(e->msg, sizeof e->msg, "%s", t ? t : "Windows reported an error.");
    }
    if (win32) {
        size_t len = strlen(e->msg);
        if (len < sizeof e->msg)
            snprintf(e->msg + len, sizeof e->msg - len, " (0x%X)", (unsigned)win32);
    }
    return -1;
}
