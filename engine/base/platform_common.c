/* The engine's OS services that are the same on every platform, built on the per-OS ones. */
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* "256 MiB", "64 KiB", "1000 bytes" */
static void size_text(size_t n, char *buf, size_t size)
{
    if (n >= ((size_t)1 << 20) && n % ((size_t)1 << 20) == 0)
        snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= ((size_t)1 << 20))
        snprintf(buf, size, "%.1f MiB", (double)(n / ((size_t)1 << 20) * 10 + n % ((size_t)1 << 20) * 10 / ((size_t)1 << 20)) / 10.0); /* rounded down */
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, size, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(buf, size, "%llu bytes", (unsigned long long)n);
}

static int too_large(mend_err *e, const char *name, size_t max, const char *why)
{
    char sz[48];
    size_text(max, sz, sizeof sz);
    return mend_err_set(e, MEND_E_INVALID, 0, "cannot read %s: it is larger than %s, %s", name, sz,
                        why ? why : "the most mend reads from one file");
}

int mend_read_stream_max(FILE *f, const char *name, size_t max, const char *why, char **data, size_t *len,
                         mend_err *e)
{
    *data = NULL;
    if (len)
        *len = 0;
    /* A file whose size is known is refused before a byte is read. */
    long at = ftell(f);
    if (at >= 0 && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > at && (unsigned long)(size - at) > max)
            return too_large(e, name, max, why);
        if (fseek(f, at, SEEK_SET) != 0)
            return mend_err_set(e, MEND_E_IO, 0, "cannot read %s", name);
    }
    clearerr(f);
    /* Then read at most max + 1 bytes (a pipe, /dev/zero or a file still growing). */
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            size_t want = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
            if (want > max + 2)
                want = max + 2;
            char *nb = want > cap ? realloc(buf, want) : NULL;
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap = want;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0 || n > max)
            break;
    }
    if (buf && n > max) {
        free(buf);
        return too_large(e, name, max, why);
    }
    if (!buf || ferror(f)) {
        free(buf);
        return mend_err_set(e, MEND_E_IO, 0, "cannot read %s", name);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int mend_read_file_max(const char *path, size_t max, const char *why, char **data, size_t *len, mend_err *e)
{
    *data = NULL;
    if (len)
        *len = 0;
    FILE *f = mend_fopen_regular(path, "rb", e);
    if (!f)
        return -1;
    int rc = mend_read_stream_max(f, path, max, why, data, len, e);
    fclose(f);
    return rc;
}

int mend_read_file(const char *path, char **data, size_t *len, mend_err *e)
{
    return mend_read_file_max(path, MEND_READ_FILE_MAX, NULL, data, len, e);
}

static char g_lock_owner[128] = "mend";

void mend_lock_set_owner(const char *what)
{
    snprintf(g_lock_owner, sizeof g_lock_owner, "%s", what && *what ? what : "mend");
}

void mend_lock_owner_text(long pid, char *buf, size_t size)
{
    double now = mend_wall_now();
    struct tm tm;
    mend_gmtime((long long)now, &tm);
    snprintf(buf, size, "pid %ld, %s, since %04d-%02d-%02dT%02d:%02d:%02dZ\n", pid, g_lock_owner,
             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

#ifndef _WIN32
/* (Windows reads it sharing delete: platform_win32.c.) */
void mend_lock_holder(const char *path, char *buf, size_t size)
{
    if (!size)
        return;
    buf[0] = '\0';
    char *text = NULL;
    size_t len = 0;
    mend_err e;
    if (mend_read_file_max(path, 4096, NULL, &text, &len, &e) != 0)
        return;
    size_t n = strcspn(text, "\r\n");
    if (n >= size)
        n = size - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    free(text);
}
#endif
