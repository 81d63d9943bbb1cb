/* The engine's OS services on POSIX: files, atomic writes, locks, terminals, clocks, folders. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _GNU_SOURCE   /* O_TMPFILE */
#include "platform.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

FILE *mend_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

static int io_error(mend_err *e, const char *what, const char *path)
{
    return mend_err_set(e, MEND_E_IO, 0, "cannot %s %s: %s", what, path, strerror(errno));
}

/* What a path that is not a regular file is, for "cannot read X: it is a named pipe, not a file". */
static const char *special_kind(mode_t m)
{
    if (S_ISFIFO(m))
        return "a named pipe";
    if (S_ISDIR(m))
        return "a folder";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    if (S_ISSOCK(m))
        return "a socket";
    return "not a regular file";
}

static int special_error(mend_err *e, const char *path, mode_t m)
{
    return mend_err_set(e, MEND_E_IO, 0, "cannot read %s: it is %s, not a file", path, special_kind(m));
}

int mend_refuse_special(const char *path, mend_err *e)
{
    struct stat st;
    if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
        return 0;
    return special_error(e, path, st.st_mode);
}

int mend_refuse_pipe(const char *path, mend_err *e)
{
    struct stat st;
    if (stat(path, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISDIR(st.st_mode)))
        return 0;
    return special_error(e, path, st.st_mode);
}

FILE *mend_fopen_regular(const char *path, const char *mode, mend_err *e)
{
    /* O_NONBLOCK: open() of a named pipe otherwise waits for a writer, forever. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENXIO && mend_refuse_special(path, e) != 0)   /* a socket: ENXIO says too little */
            return NULL;
        errno = err;
        io_error(e, "open", path);
        errno = err;   /* for callers that report it their own way (io.open) */
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        io_error(e, "read", path);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        special_error(e, path, st.st_mode);
        close(fd);
        return NULL;
    }
    int fl = fcntl(fd, F_GETFL);
    FILE *f = fl >= 0 && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0 ? fdopen(fd, mode) : NULL;
    if (!f) {
        io_error(e, "open", path);
        close(fd);
    }
    return f;
}

int mend_mkdirs(const char *path, mend_err *e)
{
    if (!path || !*path)
        return mend_err_set(e, MEND_E_INVALID, 0, "empty folder name");
    char *p = mend_dupstr(path);
    if (!p)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        struct stat st;
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            io_error(e, "create folder", p);
            free(p);
            return -1;
        }
        if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            mend_err_set(e, MEND_E_IO, 0, "cannot create folder %s: a file of that name is in the way", p);
            free(p);
            return -1;
        }
        *s = c;
        if (c == '\0')
            break;
    }
    free(p);
    return 0;
}

int mend_remove(const char *path)
{
    return remove(path);
}

bool mend_file_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

bool mend_is_folder(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int mend_dir_is_empty(const char *path, bool *empty, mend_err *e)
{
    *empty = true;
    DIR *d = opendir(path);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return io_error(e, "open folder", path);
    }
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL)
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) {
            *empty = false;
            break;
        }
    closedir(d);
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Every fsync and rename this process does, for tests that prove a read-only run does none. */
static unsigned long g_durable_ops;

unsigned long mend_platform_durable_ops(void)
{
    return g_durable_ops;
}

static int counted_fsync(int fd)
{
    g_durable_ops++;
    return fsync(fd);
}

static int counted_rename(const char *from, const char *to)
{
    g_durable_ops++;
    return rename(from, to);
}

static void fsync_dir_of(const char *path)
{
    char *dir = mend_dirname(path);
    if (dir) {
        int dfd = open(dir, O_RDONLY);
        if (dfd >= 0) {
            counted_fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
}

/* Linux: the data goes into an unnamed file (O_TMPFILE) that is given its name only once it is
 * complete and on disk, so a kill at any moment leaves the old file or the new one and no
 * temp file (for a file that is replaced, a name exists only between link and rename).
 * Returns 1 when the system cannot do it (no O_TMPFILE on this file system, no /proc). */
static int write_unnamed(const char *path, const void *data, size_t len, bool sync, mend_err *e)
{
#if defined(O_TMPFILE) && defined(AT_SYMLINK_FOLLOW)
    char *dir = mend_dirname(path);
    if (!dir)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
    free(dir);
    if (fd < 0)
        return errno == ENOENT || errno == EACCES || errno == EROFS ? io_error(e, "write", path) : 1;
    char self[64], tmp[PATH_MAX];
    snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
    if (write_all(fd, data, len) != 0 || fchmod(fd, 0644) != 0 || (sync && counted_fsync(fd) != 0)) {
        io_error(e, "write", path);
        close(fd);
        return -1;
    }
    int rc = linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
    if (rc != 0 && errno == EEXIST) {
        /* Replacing: a unique neighbour name, then one rename over the old file. */
        for (unsigned i = 0; rc != 0 && errno == EEXIST && i < 100; i++) {
            if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld.%u", path, (long)getpid(), i) >= sizeof tmp)
                break;
            rc = linkat(AT_FDCWD, self, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW);
        }
        if (rc == 0 && counted_rename(tmp, path) != 0) {
            io_error(e, "write", path);
            unlink(tmp);
            close(fd);
            return -1;
        }
    }
    int err = errno;
    close(fd);
    if (rc != 0) {
        if (err == ENOENT)   /* no /proc: the portable way */
            return 1;
        errno = err;
        return io_error(e, "write", path);
    }
    if (sync)
        fsync_dir_of(path);
    return 0;
#else
    (void)path;
    (void)data;
    (void)len;
    (void)sync;
    (void)e;
    return 1;
#endif
}

static int write_replacing(const char *path, const void *data, size_t len, bool sync, mend_err *e);

/* Only a regular file (or none) is replaced: a device or pipe, or a link to one (--report
 * /dev/null, /dev/stdout; mend often runs as root), would be swapped for a plain file for the
 * whole machine. Writing into it instead could reach a disk through a planted link: refused. */
static int refuse_non_file(const char *path, mend_err *e)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return mend_err_set(e, MEND_E_INVALID, 0, "cannot write %s: it is %s, not a file; name a file", path,
                            S_ISDIR(st.st_mode) ? "a folder" : "a device or pipe");
    return 0;
}

/* The folders of files written with mend_write_file_deferred and not yet synced (few: the
 * backup folder); more than fit are synced with sync(). */
#define DEFERRED_DIRS 8
static char *g_deferred[DEFERRED_DIRS];
static size_t g_ndeferred;
static bool g_deferred_overflow;

static int note_deferred(const char *path)
{
    char *dir = mend_dirname(path);
    if (!dir)
        return -1;
    for (size_t i = 0; i < g_ndeferred; i++)
        if (strcmp(g_deferred[i], dir) == 0) {
            free(dir);
            return 0;
        }
    if (g_ndeferred < DEFERRED_DIRS)
        g_deferred[g_ndeferred++] = dir;
    else {
        g_deferred_overflow = true;
        free(dir);
    }
    return 0;
}

size_t mend_platform_deferred_pending(void)
{
    return g_ndeferred + (g_deferred_overflow ? 1 : 0);
}

/* Makes every deferred file durable: one syncfs per folder's file system (Linux) writes their
 * data and names out with one journal commit, where an fsync each cost one commit each. */
static int sync_deferred(mend_err *e)
{
    int rc = 0;
    if (g_deferred_overflow) {
        g_durable_ops++;
        sync();
        g_deferred_overflow = false;
    }
    while (g_ndeferred > 0) {
        char *dir = g_deferred[g_ndeferred - 1];
        int fd = open(dir, O_RDONLY | O_CLOEXEC);
        g_durable_ops++;
#ifdef __linux__
        int bad = fd < 0 || syncfs(fd) != 0;
#else
        sync();
        int bad = fd < 0;
#endif
        int why = errno;
        if (fd >= 0)
            close(fd);
        if (bad && rc == 0) {
            rc = mend_err_set(e, MEND_E_IO, 0, "cannot make the files written in %s durable: %s", dir,
                              strerror(why));
        }
        free(dir);
        g_ndeferred--;
    }
    return rc;
}

int mend_write_file_deferred(const char *path, const void *data, size_t len, mend_err *e)
{
    if (refuse_non_file(path, e) != 0)
        return -1;
    if (note_deferred(path) != 0)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    return write_replacing(path, data, len, false, e);
}

int mend_write_file_atomic(const char *path, const void *data, size_t len, mend_err *e)
{
    if (refuse_non_file(path, e) != 0 || sync_deferred(e) != 0)
        return -1;
    return write_replacing(path, data, len, true, e);
}

static int write_replacing(const char *path, const void *data, size_t len, bool sync, mend_err *e)
{
    int unnamed = write_unnamed(path, data, len, sync, e);
    if (unnamed <= 0)
        return unnamed;
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp.XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        io_error(e, "write", path);
        free(tmp);
        return -1;
    }
    if (write_all(fd, data, len) != 0)
        goto fail;
    if (fchmod(fd, 0644) != 0 || (sync && counted_fsync(fd) != 0))
        goto fail;
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (counted_rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    /* The rename itself must reach the disk too. */
    if (sync)
        fsync_dir_of(path);
    return 0;
fail:
    io_error(e, "write", path);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return -1;
}

int mend_fsync_file(FILE *f)
{
    mend_err e;
    if (fflush(f) != 0 || sync_deferred(&e) != 0)
        return -1;
    return counted_fsync(fileno(f));
}

struct mend_lock {
    int fd;
    char *path;
};

/* Locked the file that is still at path? A releasing holder unlinks it, so a waiter that got
 * the lock on the unlinked file must open the new one instead. */
static bool lock_is_current(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

mend_lock *mend_lock_acquire(const char *path, double timeout_s, mend_err *e)
{
    double deadline = mend_monotonic_now() + timeout_s;
    int fd;
    for (;;) {
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            io_error(e, "open lock file", path);
            return NULL;
        }
        /* flock, not fcntl: its lock belongs to this open file, so a second acquire in the same
         * process waits too, and closing another descriptor of the file does not drop it. */
        while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno == EINTR)
                continue;
            if (errno != EWOULDBLOCK) {
                io_error(e, "lock", path);
                close(fd);
                return NULL;
            }
            if (mend_monotonic_now() >= deadline) {
                mend_err_set(e, MEND_E_IN_USE, 0, "%s is locked by another mend run", path);
                close(fd);
                return NULL;
            }
            mend_sleep_ms(50);
        }
        if (lock_is_current(fd, path))
            break;
        close(fd);
    }
    mend_lock *l = malloc(sizeof *l);
    char *copy = l ? strdup(path) : NULL;
    if (!copy) {
        free(l);
        close(fd);
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        return NULL;
    }
    char owner[192];
    mend_lock_owner_text((long)getpid(), owner, sizeof owner);
    /* Who holds it is a courtesy to the next run; the lock holds whether or not it is written.
     * A new (empty) file is not truncated: on ext4 a truncate to 0 makes the close flush the
     * data, and the unlinked file's eviction then waits for that write (7 ms of an empty run). */
    struct stat st;
    bool empty = fstat(fd, &st) == 0 && st.st_size == 0;
    ssize_t wrote = empty || ftruncate(fd, 0) == 0 ? pwrite(fd, owner, strlen(owner), 0) : -1;
    (void)wrote;
    l->fd = fd;
    l->path = copy;
    return l;
}

void mend_lock_release(mend_lock *l)
{
    if (!l)
        return;
    /* Removed while still held, so no run can lock the old file after it is gone. */
    unlink(l->path);
    close(l->fd); /* closing drops the lock */
    free(l->path);
    free(l);
}

bool mend_isatty_stdin(void)
{
    return isatty(STDIN_FILENO) == 1;
}

bool mend_isatty_stderr(void)
{
    return isatty(STDERR_FILENO) == 1;
}

bool mend_isatty_stdout(void)
{
    return isatty(STDOUT_FILENO) == 1;
}

int mend_console_columns(void)
{
    struct winsize ws;
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 ? ws.ws_col : 0;
}

double mend_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

char *mend_computer_name(void)
{
    char buf[256];
    if (gethostname(buf, sizeof buf) != 0)
        return NULL;
    buf[sizeof buf - 1] = '\0';
    return mend_dupstr(buf);
}

double mend_monotonic_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mend_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

char *mend_exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return mend_dirname(buf);
}

static const char *nonempty_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

char *mend_getenv(const char *name)
{
    const char *v = nonempty_env(name);
    return v ? mend_dupstr(v) : NULL;
}

char *mend_state_dir(void)
{
    const char *v = nonempty_env("MEND_STATE_DIR");
    if (v)
        return mend_dupstr(v);
    if ((v = nonempty_env("XDG_STATE_HOME")))
        return mend_path_join(v, "mend");
    const char *home = nonempty_env("HOME");
    if (!home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
    }
    if (!home)
        return NULL;
    return mend_path_join(home, ".local/state/mend");
}

char *mend_path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    bool sep = na > 0 && a[na - 1] != '/';
    char *p = malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    if (sep)
        p[na++] = '/';
    memcpy(p + na, b, nb + 1);
    return p;
}

char *mend_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return mend_dupstr(".");
    if (slash == path)
        return mend_dupstr("/");
    size_t n = (size_t)(slash - path);
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, path, n);
    p[n] = '\0';
    return p;
}

void mend_gmtime(long long secs, struct tm *out)
{
    time_t t = (time_t)secs;
    gmtime_r(&t, out);
}

static void (*g_on_interrupt)(void);
static void (*g_on_terminate)(void);

static void interrupt_handler(int sig)
{
    void (*fn)(void) = sig == SIGINT ? g_on_interrupt : g_on_terminate ? g_on_terminate : g_on_interrupt;
    if (fn)
        fn();
}

/* Handles sigs with interrupt_handler; a signal ignored when mend started (nohup, `mend fix &`
 * from a script) stays ignored, as the caller asked. */
static void catch_signals(const int *sigs, size_t n, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = interrupt_handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < n; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

void mend_on_interrupt(void (*fn)(void))
{
    /* SIGHUP: a dropped ssh session, as a closed console on Windows. SA_RESETHAND: the second
     * Ctrl-C ends mend at once. */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    g_on_interrupt = fn;
    g_on_terminate = NULL;
    catch_signals(sigs, sizeof sigs / sizeof *sigs, SA_RESETHAND);
}

void mend_on_terminate(void (*fn)(void))
{
    static const int sigs[] = {SIGTERM, SIGHUP};
    g_on_terminate = fn;
    catch_signals(sigs, sizeof sigs / sizeof *sigs, 0);   /* no SA_RESTART: a read waiting for a key returns */
}

/* The watchdog and the nudge share SIGALRM and the one real-time timer, set to whichever comes
 * first; the handler does what is due and sets the timer for the rest. */
static char g_watchdog_msg[256];
static volatile double g_watchdog_at, g_nudge_at;   /* monotonic seconds; 0 = none */
static void (*volatile g_nudge_fn)(void);

static void arm_timer(double now)
{
    double at = g_watchdog_at;
    if (g_nudge_fn && (at <= 0 || g_nudge_at < at))
        at = g_nudge_at;
    struct itimerval it;
    memset(&it, 0, sizeof it);
    if (at > 0) {
        double d = at - now;
        if (d < 1e-3)
            d = 1e-3;
        if (d > 1e8)
            d = 1e8;
        it.it_value.tv_sec = (time_t)d;
        it.it_value.tv_usec = (suseconds_t)((d - (double)it.it_value.tv_sec) * 1e6);
    }
    /* Not on POSIX's list of async-signal-safe calls, but one system call on Linux and the BSDs
     * (alarm, which is listed, counts whole seconds: a 0.5 s limit would wait 1 s). */
    setitimer(ITIMER_REAL, &it, NULL);
}

static void alarm_fired(int sig)
{
    (void)sig;
    int saved = errno;
    double now = mend_monotonic_now();   /* clock_gettime: async-signal-safe */
    if (g_watchdog_at > 0 && now >= g_watchdog_at) {
        ssize_t n = write(STDERR_FILENO, g_watchdog_msg, strlen(g_watchdog_msg));
        (void)n;
        _exit(2);
    }
    void (*fn)(void) = g_nudge_fn;
    if (fn && now >= g_nudge_at) {
        g_nudge_fn = NULL;
        fn();
    }
    arm_timer(now);
    errno = saved;
}

/* Sets the watchdog (with the message it writes) or the nudge (fn; NULL is none) to fire at
 * monotonic second at (0: never), with SIGALRM held back so the handler never sees half of it. */
static void set_alarm(double at, void (*fn)(void), const char *msg, bool watchdog)
{
    static bool installed;
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGALRM);
    sigprocmask(SIG_BLOCK, &block, &old);
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = alarm_fired;
        sa.sa_flags = SA_RESTART;   /* a nudge mid-write resumes the write */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        installed = true;
    }
    if (watchdog) {
        if (at > 0)
            snprintf(g_watchdog_msg, sizeof g_watchdog_msg, "mend: %s\n", msg ? msg : "stopped by the watchdog");
        g_watchdog_at = at;
    } else {
        g_nudge_fn = fn;
        g_nudge_at = at;
    }
    arm_timer(mend_monotonic_now());
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void mend_watchdog_set(double seconds, const char *msg)
{
    set_alarm(seconds > 0 ? mend_monotonic_now() + seconds : 0, NULL, msg, true);
}

void mend_nudge_set(double seconds, void (*fn)(void))
{
    set_alarm(mend_monotonic_now() + (seconds > 0 ? seconds : 0), fn, NULL, false);
}

int mend_platform_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* `mend fix 2>&1 | head` closes the output mid-run: a write then fails instead of killing
     * mend between two actions (as on Windows), so the run ends, saves and journals as usual. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

char *mend_realpath(const char *path)
{
    return realpath(path, NULL);
}
