/* Wine tests of reading a file by a path it is given: a named pipe, a device or a folder is
 * refused at once by what GetFileType says, never read (a read would wait for a writer). */
#include "wt.h"

#include "platform.h"

static void expect_refused(const char *path, const char *what)
{
    char *data = NULL;
    size_t len = 0;
    mend_err e;
    WT_CHECK(mend_read_file(path, &data, &len, &e) != 0, "%s was read (%zu bytes)", path, len);
    WT_CHECK(strstr(e.msg, what) != NULL, "%s: '%s' lacks '%s'", path, e.msg, what);
    free(data);
    WT_CHECK(mend_refuse_special(path, &e) != 0 && strstr(e.msg, what) != NULL, "%s: refuse_special: %s", path,
             e.msg);
}

static void test_a_named_pipe_is_refused_without_reading(void)
{
    /* A server that never writes: reading its pipe would wait forever. One instance: the
     * second look finds it busy (ERROR_PIPE_BUSY), which is a named pipe too. */
    HANDLE srv = CreateNamedPipeW(L"\\\\.\\pipe\\mend-files-test", PIPE_ACCESS_DUPLEX, PIPE_TYPE_BYTE | PIPE_WAIT,
                                  1, 4096, 4096, 0, NULL);
    WT_CHECK(srv != INVALID_HANDLE_VALUE, "CreateNamedPipeW: %lu", (unsigned long)GetLastError());
    expect_refused("\\\\.\\pipe\\mend-files-test", "\\\\.\\pipe\\mend-files-test: it is a named pipe, not a file");
    CloseHandle(srv);
}

static void test_a_device_or_a_folder_is_refused_and_a_file_read(void)
{
    expect_refused("NUL", "NUL: it is a device");
    wchar_t wdir[MAX_PATH], wfile[MAX_PATH];
    char dir[MAX_PATH], file[MAX_PATH];
    wt_temp(L"mend-files-folder", wdir, MAX_PATH);
    CreateDirectoryW(wdir, NULL);
    wt_utf8(wdir, dir, sizeof dir);
    expect_refused(dir, "it is a folder, not a file");
    wt_temp(L"mend-files.txt", wfile, MAX_PATH);
    wt_utf8(wfile, file, sizeof file);
    mend_err e;
    WT_OK(mend_write_file_atomic(file, "text", 4, &e), e);
    char *data = NULL;
    size_t len = 0;
    WT_OK(mend_read_file(file, &data, &len, &e), e);
    WT_CHECK(len == 4 && data && memcmp(data, "text", 4) == 0, "read %zu bytes", len);
    free(data);
    WT_CHECK(mend_refuse_special(file, &e) == 0, "a file refused: %s", e.msg);
    DeleteFileW(wfile);
    RemoveDirectoryW(wdir);
}

int main(void)
{
    WT_RUN(test_a_named_pipe_is_refused_without_reading);
    WT_RUN(test_a_device_or_a_folder_is_refused_and_a_file_read);
    return wt_done();
}
