/* The few OS services the engine needs, for POSIX and Windows: files, locks, terminals, time. */
#ifndef MEND_PLATFORM_H
#define MEND_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend_err.h"

/* UTF-8 paths on every platform. */
FILE *mend_fopen(const char *path, const char *mode);
int mend_mkdirs(const char *path, mend_err *e);             /* mkdir -p */
int mend_remove(const char *path);
bool mend_file_exists(const char *path);
bool mend_is_folder(const char *path);
/* Whether the folder at path holds nothing (a missing folder counts as empty; a file is an error). */
int mend_dir_is_empty(const char *path, bool *empty, mend_err *e);
/* Opens path for reading (mode "r" or "rb") when it is a regular file (links followed), without ever
 * blocking: a named pipe, a device, a socket or a folder is refused with a sentence in e
 * ("cannot read X: it is a named pipe, not a file"); POSIX opens with O_NONBLOCK and fstats,
 * Windows asks GetFileType. Every file mend reads by a path the user gives comes through here. */
FILE *mend_fopen_regular(const char *path, const char *mode, mend_err *e);
/* 0 when path is a regular file or cannot be looked at (the caller's open says why); -1 with
 * the same sentence when it is something else. For a path handed on to code that opens it. */
int mend_refuse_special(const char *path, mend_err *e);
/* The same for a file mend appends to and reads back (the journal), where a device such as
 * /dev/null is a choice ("keep none"): only what would block — a named pipe, a socket — and a
 * folder are refused. */
int mend_refuse_pipe(const char *path, mend_err *e);
/* Whether e is one of those refusals (the sentence ends "..., not a file"). */
static inline bool mend_err_not_a_file(const mend_err *e)
{
    return strstr(e->msg, ", not a file") != NULL;
}

/* The most mend reads into memory from one file (plan, .reg, state, scenario, ...). */
#define MEND_READ_FILE_MAX ((size_t)256 << 20)
/* Reads a whole file (adds a NUL past the end); one over MEND_READ_FILE_MAX is an error naming
 * the file and the cap, found before reading when the size is known. */
int mend_read_file(const char *path, char **data, size_t *len, mend_err *e);
/* The same with its own cap; why ends the error ("cannot read F: it is larger than 64 MiB,
 * <why>"), NULL for the default. */
int mend_read_file_max(const char *path, size_t max, const char *why, char **data, size_t *len, mend_err *e);
/* The same for an open stream (stdin), name for messages. */
int mend_read_stream_max(FILE *f, const char *name, size_t max, const char *why, char **data, size_t *len,
                         mend_err *e);
/* Writes data to path atomically: temp file in the same folder, fsync, rename over. */
int mend_write_file_atomic(const char *path, const void *data, size_t len, mend_err *e);
/* The same, complete under its name at once, but durable only at the next mend_write_file_atomic
 * or mend_fsync_file, which first syncs every such file (POSIX: one syncfs per file system).
 * For files whose content matters only once a later durable write commits (the simulator's
 * .reg backups: its deletes reach the disk with its state). Windows: as mend_write_file_atomic. */
int mend_write_file_deferred(const char *path, const void *data, size_t len, mend_err *e);
/* POSIX: how many folders hold deferred files not synced yet (a test seam). */
size_t mend_platform_deferred_pending(void);
/* Flushes a stdio stream to disk (fflush + fsync / FlushFileBuffers), deferred files first. */
int mend_fsync_file(FILE *f);
/* POSIX: how many fsyncs and renames this process has done (a test seam: a read-only run does
 * none). */
unsigned long mend_platform_durable_ops(void);

/* An exclusive advisory lock on path (created if missing), waiting up to timeout_s. The holder
 * writes who it is into the file ("pid 4242, mend fix, since 2026-12-02T19:50:00Z"); on POSIX
 * the file is removed again on release. */
typedef struct mend_lock mend_lock;
mend_lock *mend_lock_acquire(const char *path, double timeout_s, mend_err *e);
void mend_lock_release(mend_lock *l);
/* What this process says it is in the locks it takes ("mend fix"); a static copy. */
void mend_lock_set_owner(const char *what);
/* The line a holder wrote (pid, command, since when) into buf; "" when none can be read. */
void mend_lock_holder(const char *path, char *buf, size_t size);
/* The text this process writes into a lock it takes (platform_common.c). */
void mend_lock_owner_text(long pid, char *buf, size_t size);

bool mend_isatty_stdin(void);
bool mend_isatty_stderr(void);
bool mend_isatty_stdout(void);
/* Columns of the terminal on standard output; 0 when it is not one. */
int mend_console_columns(void);
double mend_wall_now(void);                                  /* seconds since the epoch */
/* This computer's name (malloc'd; NetBIOS name on Windows), NULL if unknown. */
char *mend_computer_name(void);
void mend_sleep_ms(unsigned ms);
/* Ends the process (message on stderr, exit code 2) unless set again or cleared (seconds <= 0)
 * within seconds: the last resort for what the Lua hook cannot reach (finalizers, a C library
 * call such as a backtracking pattern match). One watchdog per process. */
void mend_watchdog_set(double seconds, const char *msg);
/* Calls fn once, seconds from now, the way a signal handler runs: between two instructions of
 * the thread that set it (POSIX: a SIGALRM handler sharing the watchdog's timer; Windows: a
 * timer thread with the setting thread suspended). fn may only set flags and call lua_sethook,
 * as lua.c's Ctrl-C handler does. fn NULL cancels. One nudge per process. */
void mend_nudge_set(double seconds, void (*fn)(void));

/* Folder of the running executable (malloc'd), NULL if unknown. */
char *mend_exe_dir(void);
/* The user's state folder for mend (malloc'd): $MEND_STATE_DIR, else $XDG_STATE_HOME/mend,
 * else ~/.local/state/mend; on Windows $MEND_STATE_DIR, else %ProgramData%\mend (one machine-wide
 * folder: mend runs elevated, often as SYSTEM), else %LOCALAPPDATA%\mend. */
char *mend_state_dir(void);
/* Joins two path parts with the platform separator (malloc'd). */
char *mend_path_join(const char *a, const char *b);
/* Folder part of a path (malloc'd), "." if none. */
char *mend_dirname(const char *path);
/* The canonical path of an existing file, links followed (malloc'd); NULL if it cannot be
 * resolved (then callers keep the path as given). */
char *mend_realpath(const char *path);

/* strdup without pulling host.c (and through it every backend) into small test links. */
static inline char *mend_dupstr(const char *s)
{
    size_t n = strlen(s ? s : "") + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s ? s : "", n);
    return p;
}

/* Monotonic seconds, for deadlines that must not jump with the wall clock. */
double mend_monotonic_now(void);

/* An environment variable as UTF-8 (malloc'd), NULL when unset or empty. */
char *mend_getenv(const char *name);

/* Thread-safe gmtime (gmtime_r / gmtime_s). */
struct tm;
void mend_gmtime(long long secs, struct tm *out);

/* Calls fn on the first Ctrl-C or termination request, the way a signal handler runs (POSIX: in
 * the handler; Windows: from the console's thread with the thread that set it suspended): it may
 * only set flags and call lua_sethook. A second request ends the process the usual way. */
void mend_on_interrupt(void (*fn)(void));
/* Calls fn on SIGTERM or SIGHUP (POSIX), as a signal handler: a read waiting for input returns
 * (no restart), a signal ignored when mend started stays ignored (nohup). Windows: nothing yet. */
void mend_on_terminate(void (*fn)(void));

/* Process start-up: on Windows replaces argv with UTF-8 and sets the console to UTF-8. */
int mend_platform_init(int *argc, char ***argv);

#endif
