/* The one error type, end to end: a stable code, the native Windows code and a message. */
#ifndef MEND_ERR_H
#define MEND_ERR_H

#include <stdint.h>

#define MEND_MSG_MAX 512

/* printf-style format checking for mend's own functions: int f(const char *fmt, ...) MEND_PRINTF(1, 2);
 * mingw-w64's gcc reads format(printf) as msvcrt's dialect, which has no %zu or %lld; the build uses
 * mingw's C99 printf (__USE_MINGW_ANSI_STDIO), so check against that. */
#if defined(__MINGW32__) && !defined(__clang__)
#define MEND_PRINTF(fmt_index, first_arg) __attribute__((format(gnu_printf, fmt_index, first_arg)))
#elif defined(__GNUC__)
#define MEND_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define MEND_PRINTF(fmt_index, first_arg)
#endif

typedef enum mend_code {
    MEND_OK = 0,
    MEND_E_NOT_FOUND,
    MEND_E_PENDING_DELETION,
    MEND_E_IN_USE,
    MEND_E_ACCESS_DENIED,
    MEND_E_TIMEOUT,
    MEND_E_NOT_PERMITTED,      /* a gate said no */
    MEND_E_EXISTS,
    MEND_E_UNSUPPORTED,
    MEND_E_IO,
    MEND_E_INVALID
} mend_code;

typedef struct mend_err {
    mend_code code;
    uint32_t win32;            /* native Windows error code, 0 if none */
    char msg[MEND_MSG_MAX];    /* a full sentence; ends with " (0x32DF)" when win32 != 0 */
} mend_err;

/* Windows error numbers mend meets (winerror.h). */
#define MEND_WIN_FILE_NOT_FOUND        2u
#define MEND_WIN_PATH_NOT_FOUND        3u
#define MEND_WIN_ACCESS_DENIED         5u
#define MEND_WIN_INVALID_DATA          13u
#define MEND_WIN_INVALID_PARAMETER     87u
#define MEND_WIN_ALREADY_EXISTS        183u
#define MEND_WIN_SERVICE_REQUEST_TIMEOUT 1053u
#define MEND_WIN_DEPENDENT_SERVICES_RUNNING 1051u
#define MEND_WIN_SERVICE_DOES_NOT_EXIST 1060u
#define MEND_WIN_SERVICE_NOT_ACTIVE    1062u
#define MEND_WIN_SERVICE_ALREADY_RUNNING 1056u
#define MEND_WIN_FILE_CORRUPT          1392u
#define MEND_WIN_IPSEC_QM_POLICY_EXISTS 13000u
#define MEND_WIN_IPSEC_QM_POLICY_NOT_FOUND 13001u
#define MEND_WIN_IPSEC_QM_POLICY_IN_USE 13002u
#define MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION 13023u  /* 0x32DF */
#define MEND_WIN_IPSEC_TRANSPORT_FILTER_NOT_FOUND 13009u

/* Fills *e and returns -1, so backends can write `return mend_err_set(e, ...)`.
 * When win32 != 0 and fmt is NULL the message is Windows' own text for that code.
 * When win32 != 0 the message gets " (0xNN)" appended. e may be NULL. */
int mend_err_set(mend_err *e, mend_code code, uint32_t win32, const char *fmt, ...) MEND_PRINTF(4, 5);

void mend_err_clear(mend_err *e);

/* "not_found", "in_use", ... (the stable codes scripts compare against). */
const char *mend_code_name(mend_code code);

/* Windows' English text for the codes above ("The system cannot find the file specified."),
 * or NULL when mend does not know it. */
const char *mend_win32_text(uint32_t win32);

/* The stable code a Windows error maps to (ERROR_ACCESS_DENIED -> MEND_E_ACCESS_DENIED, ...). */
mend_code mend_code_from_win32(uint32_t win32);

#endif
