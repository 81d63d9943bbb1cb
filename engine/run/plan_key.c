/* The host's plan key: created once from the OS CSPRNG in the state folder, readable by its owner
 * (POSIX 0600) or by Administrators and SYSTEM only (Windows), and recognised behind any path. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#endif
#include "plan.h"
#include "engine_private.h"
#include "hmac_sha256.h"
#include "platform.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>
#include <sddl.h>
#include "utf.h"
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif
#endif

#define KEY_NAME "plan.key"
/* Only Lua comments: loading the file as a chunk (dofile, require) shows no byte of the key. */
#define KEY_HEAD "-- mend plan key of this host: it signs plans. Keep it secret; never copy it.\n-- "

char *mend_plan_key_path(const char *state_dir)
{
    return state_dir ? mend_path_join(state_dir, KEY_NAME) : NULL;
}

static int random_bytes(unsigned char *buf, size_t n, mend_err *e)
{
#ifdef _WIN32
    NTSTATUS st = BCryptGenRandom(NULL, buf, (ULONG)n, BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (st != 0)
        return mend_err_set(e, MEND_E_IO, (long)st, "BCryptGenRandom failed (0x%lx)", (unsigned long)st);
    return 0;
#else
#if defined(__linux__)
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got == n)
        return 0;
#endif
    FILE *f = fopen("/dev/urandom", "rb");
    size_t r = f ? fread(buf, 1, n, f) : 0;
    if (f)
        fclose(f);
    if (r != n)
        return mend_err_set(e, MEND_E_IO, errno, "cannot read /dev/urandom for the plan key");
    return 0;
#endif
}

/* The key file's text: the comment head and 64 hex digits. */
static int parse_key(const char *text, size_t len, unsigned char key[MEND_PLAN_KEY_LEN])
{
    size_t head = strlen(KEY_HEAD);
    if (len < head + 2 * MEND_PLAN_KEY_LEN || memcmp(text, KEY_HEAD, head) != 0)
        return -1;
    for (size_t i = 0; i < MEND_PLAN_KEY_LEN; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = text[head + 2 * i + (size_t)k];
            unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
            if (d > 15)
                return -1;
            v = v * 16 + d;
        }
        key[i] = (unsigned char)v;
    }
    /* Only a line end may follow the key: anything else is not what mend wrote. */
    for (size_t i = head + 2 * MEND_PLAN_KEY_LEN; i < len; i++)
        if (text[i] != '\n' && text[i] != '\r')
            return -1;
    return 0;
}

#ifdef _WIN32
static wchar_t *wide(const char *s)
{
    uint16_t *w = NULL;
    size_t n = 0;
    return mend_utf8_to_utf16(s, strlen(s), &w, &n) == 0 ? (wchar_t *)w : NULL;
}

/* Written beside the key with a protected DACL granting only SYSTEM and Administrators full
 * control, then moved into place without replacing one another mend wrote first. */
static int create_key_file(const char *path, const char *text, size_t len, mend_err *e)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%lu.tmp", path, (unsigned long)GetCurrentProcessId());
    wchar_t *wtmp = wide(tmp), *wpath = wide(path);
    PSECURITY_DESCRIPTOR sd = NULL;
    int rc = -1;
    if (!wtmp || !wpath) {
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        goto out;
    }
    if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(L"D:P(A;;FA;;;SY)(A;;FA;;;BA)", SDDL_REVISION_1,
                                                              &sd, NULL)) {
        mend_err_set(e, MEND_E_IO, (long)GetLastError(), "cannot build the plan key's ACL (%lu)", GetLastError());
        goto out;
    }
    SECURITY_ATTRIBUTES sa = { sizeof sa, sd, FALSE };
    HANDLE h = CreateFileW(wtmp, GENERIC_WRITE, 0, &sa, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    if (h == INVALID_HANDLE_VALUE) {
        mend_err_set(e, MEND_E_IO, (long)GetLastError(), "cannot create %s (%lu)", tmp, GetLastError());
        goto out;
    }
    DWORD w = 0;
    BOOL ok = WriteFile(h, text, (DWORD)len, &w, NULL) && w == len && FlushFileBuffers(h);
    CloseHandle(h);
    if (!ok || !MoveFileExW(wtmp, wpath, MOVEFILE_WRITE_THROUGH)) {
        DWORD err = GetLastError();
        DeleteFileW(wtmp);
        if (err == ERROR_ALREADY_EXISTS || err == ERROR_FILE_EXISTS)
            rc = 1;   /* another mend made it first: use that one */
        else
            mend_err_set(e, MEND_E_IO, (long)err, "cannot write the plan key %s (%lu)", path, err);
        goto out;
    }
    rc = 0;
out:
    if (sd)
        LocalFree(sd);
    free(wtmp);
    free(wpath);
    return rc;
}
#else
/* Written 0600 to a temp file, then linked into place: link() never replaces a key another mend
 * made at the same moment, and a reader never sees half a key. */
static int create_key_file(const char *path, const char *text, size_t len, mend_err *e)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0)
        return mend_err_set(e, MEND_E_IO, errno, "cannot create %s: %s", tmp, strerror(errno));
    bool ok = fchmod(fd, 0600) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    int rc = 0;
    if (!ok)
        rc = mend_err_set(e, MEND_E_IO, errno, "cannot write %s: %s", tmp, strerror(errno));
    else if (link(tmp, path) != 0)
        rc = errno == EEXIST ? 1 : mend_err_set(e, MEND_E_IO, errno, "cannot create the plan key %s: %s", path,
                                                strerror(errno));
    unlink(tmp);
    return rc;
}
#endif

/* A key others can read is no secret: refuse it rather than sign with it. */
static int check_private(const char *path, mend_err *e)
{
#ifdef _WIN32
    (void)path;
    (void)e;
    return 0;   /* the ACL was set at creation; Windows has no mode bits to check cheaply */
#else
    struct stat st;
    if (lstat(path, &st) != 0)
        return mend_err_set(e, MEND_E_IO, errno, "cannot read the plan key %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return mend_err_set(e, MEND_E_INVALID, 0, "the plan key %s is not a regular file; remove it and run "
                            "again to make a new one", path);
    if (st.st_mode & 077)
        return mend_err_set(e, MEND_E_INVALID, 0, "the plan key %s can be read by others (mode %03o): it "
                            "signs plans, so mend refuses it; remove it (plans signed with it must be "
                            "approved again) or chmod 600 it", path, (unsigned)(st.st_mode & 0777));
    return 0;
#endif
}

int mend_plan_key_get(const char *state_dir, bool create, unsigned char key[MEND_PLAN_KEY_LEN], mend_err *e)
{
    char *path = mend_plan_key_path(state_dir);
    if (!path)
        return mend_err_set(e, MEND_E_IO, 0, "no state folder for the plan key");
    int rc = -1;
    if (!mend_file_exists(path)) {
        if (!create) {
            rc = mend_err_set(e, MEND_E_NOT_FOUND, 0, "this host has no plan key yet (%s): no plan was made "
                              "or approved here", path);
            goto out;
        }
        unsigned char fresh[MEND_PLAN_KEY_LEN];
        char text[sizeof KEY_HEAD + 2 * MEND_PLAN_KEY_LEN + 2];
        if (mend_mkdirs(state_dir, e) != 0 || random_bytes(fresh, sizeof fresh, e) != 0)
            goto out;
        memcpy(text, KEY_HEAD, strlen(KEY_HEAD));
        mend_hex(fresh, sizeof fresh, text + strlen(KEY_HEAD));
        strcat(text, "\n");
        memset(fresh, 0, sizeof fresh);
        int c = create_key_file(path, text, strlen(text), e);
        memset(text, 0, sizeof text);
        if (c < 0)
            goto out;
    }
    if (check_private(path, e) != 0)
        goto out;
    char *buf = NULL;
    size_t len = 0;
    if (mend_read_file(path, &buf, &len, e) != 0)
        goto out;
    if (parse_key(buf, len, key) != 0)
        rc = mend_err_set(e, MEND_E_INVALID, 0, "the plan key %s is damaged; remove it (plans signed with it "
                          "must be made or approved again)", path);
    else
        rc = 0;
    memset(buf, 0, len);
    free(buf);
out:
    free(path);
    return rc;
}

void mend_plan_key_id(const unsigned char key[MEND_PLAN_KEY_LEN], char out[17])
{
    static const char label[] = "mend plan key id";
    unsigned char d[MEND_SHA256_LEN];
    mend_hmac_sha256(key, MEND_PLAN_KEY_LEN, label, sizeof label - 1, d);
    mend_hex(d, 8, out);
}

/* ---- recognising the key behind a path a script names ---- */

#ifdef _WIN32
static char *resolve(const char *path)
{
    wchar_t *w = wide(path);
    if (!w)
        return NULL;
    wchar_t full[4096];
    DWORD n = GetFullPathNameW(w, 4096, full, NULL);
    free(w);
    if (n == 0 || n >= 4096)
        return NULL;
    CharLowerBuffW(full, n);   /* NTFS names compare case-insensitively */
    for (DWORD i = 0; i < n; i++)
        if (full[i] == L'/')
            full[i] = L'\\';
    char *out = NULL;
    size_t len = 0;
    return mend_utf16_to_utf8((const uint16_t *)full, n, &out, &len) == 0 ? out : NULL;
}
#define SEP '\\'
#else
/* The real path, also for a file that does not exist yet (its folder's real path). */
static char *resolve(const char *path)
{
    char *r = realpath(path, NULL);
    if (r)
        return r;
    char *dir = mend_dirname(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *rd = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    if (!rd)
        return NULL;
    char *out = mend_path_join(rd, base);
    free(rd);
    return out;
}
#define SEP '/'
#endif

bool mend_plan_key_behind(const char *key_path, const char *path, bool or_folder)
{
    if (!key_path || !path)
        return false;
    char *k = resolve(key_path), *p = resolve(path);
    bool hit = false;
    if (k && p) {
        size_t n = strlen(p);
        hit = strcmp(k, p) == 0 || (or_folder && strncmp(k, p, n) == 0 && (k[n] == SEP || (n && p[n - 1] == SEP)));
    }
#ifndef _WIN32
    struct stat a, b;
    if (!hit && stat(key_path, &a) == 0 && stat(path, &b) == 0)
        hit = a.st_dev == b.st_dev && a.st_ino == b.st_ino;   /* a hard link */
#endif
    free(k);
    free(p);
    return hit;
}
