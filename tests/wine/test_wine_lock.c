/* Wine tests of the Windows state lock: the file goes with its release, a waiter on the file being
 * deleted ends up holding the file at the path (never the doomed one), and says who holds it. */
#include "wt.h"

#include "platform.h"

static char lock_path[MAX_PATH];

static bool exists(const char *path)
{
    return GetFileAttributesA(path) != INVALID_FILE_ATTRIBUTES;
}

static DWORD WINAPI wait_for_lock(void *out)
{
    mend_err e;
    *(mend_lock **)out = mend_lock_acquire(lock_path, 10, &e);
    return 0;
}

static void test_release_removes_the_lock_file(void)
{
    mend_err e;
    DeleteFileA(lock_path);
    mend_lock_set_owner("mend test");
    mend_lock *a = mend_lock_acquire(lock_path, 0, &e);
    WT_CHECK(a != NULL, "%s", e.msg);
    char who[256];
    mend_lock_holder(lock_path, who, sizeof who);
    WT_CHECK(strstr(who, "mend test, since ") != NULL, "holder text while held: '%s'", who);
    mend_lock_release(a);
    WT_CHECK(!exists(lock_path), "the lock file is left after its release");
    /* Twice in a row. */
    a = mend_lock_acquire(lock_path, 0, &e);
    WT_CHECK(a != NULL, "%s", e.msg);
    mend_lock_release(a);
    WT_CHECK(!exists(lock_path), "the lock file is left after the second release");
}

/* The waiter b's lock is on the file at the path: its owner text is there, a third run is kept
 * out, and its release removes the file. Releases b. */
static void holds_the_file_at_the_path(mend_lock *b)
{
    mend_err e;
    char who[256];
    mend_lock_holder(lock_path, who, sizeof who);
    WT_CHECK(strstr(who, "since ") != NULL, "the waiter's lock is not on the file at the path: '%s'", who);
    mend_lock *c = mend_lock_acquire(lock_path, 0, &e);
    WT_CHECK(c == NULL && e.code == MEND_E_IN_USE, "a third run took the lock the waiter holds");
    mend_lock_release(c);
    mend_lock_release(b);
    WT_CHECK(!exists(lock_path), "the lock file is left after the waiter's release");
}

static void test_waiter_holds_the_file_at_the_path(void)
{
    mend_err e;
    DeleteFileA(lock_path);
    mend_lock *a = mend_lock_acquire(lock_path, 0, &e);
    WT_CHECK(a != NULL, "%s", e.msg);
    mend_lock *b = NULL;
    HANDLE t = CreateThread(NULL, 0, wait_for_lock, &b, 0, NULL);
    Sleep(300);   /* the waiter has the file open and polls its lock */
    WT_CHECK(b == NULL, "the waiter got a held lock");
    mend_lock_release(a);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    WT_CHECK(b != NULL, "the waiter did not get the lock after its release");
    holds_the_file_at_the_path(b);
}

/* When the path names another file by the time the waiter gets its lock (as with POSIX delete
 * semantics, where a deleted name goes at once), the waiter opens the path again. */
static void test_waiter_follows_the_path(void)
{
    mend_err e;
    char moved[MAX_PATH + 8];
    snprintf(moved, sizeof moved, "%s.old", lock_path);
    DeleteFileA(lock_path);
    DeleteFileA(moved);
    mend_lock *a = mend_lock_acquire(lock_path, 0, &e);
    WT_CHECK(a != NULL, "%s", e.msg);
    mend_lock *b = NULL;
    HANDLE t = CreateThread(NULL, 0, wait_for_lock, &b, 0, NULL);
    Sleep(300);
    WT_CHECK(MoveFileExA(lock_path, moved, 0), "rename the held lock file: %lu", (unsigned long)GetLastError());
    HANDLE f = CreateFileA(lock_path, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
    WT_CHECK(f != INVALID_HANDLE_VALUE, "a new file at the path: %lu", (unsigned long)GetLastError());
    CloseHandle(f);
    mend_lock_release(a);
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
    WT_CHECK(b != NULL, "the waiter did not get the lock after its release");
    holds_the_file_at_the_path(b);
    /* Not checked: the renamed file. Wine deletes the name a handle was opened with, not the
     * file's current name (Windows deletes the file); mend never renames a lock file. */
    DeleteFileA(moved);
}

int main(void)
{
    char dir[MAX_PATH];
    DWORD n = GetTempPathA(sizeof dir, dir);
    if (n == 0 || n >= sizeof dir)
        return 1;
    snprintf(lock_path, sizeof lock_path, "%smend-lock-test-%lu.lock", dir, (unsigned long)GetCurrentProcessId());
    WT_RUN(test_release_removes_the_lock_file);
    WT_RUN(test_waiter_holds_the_file_at_the_path);
    WT_RUN(test_waiter_follows_the_path);
    return wt_done();
}
