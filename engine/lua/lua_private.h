/* What lua_host.c, lua_sandbox.c and lua_limits.c share (private to the engine). */
#ifndef MEND_LUA_PRIVATE_H
#define MEND_LUA_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#include "lua_pool.h"

/* The limits of one state: lives at the allocator's ud, so every thread and hook reaches it. */
typedef struct mend_limits {
    size_t used;              /* bytes currently allocated by Lua */
    size_t max;               /* 0 = no limit */
    bool memory_hit;          /* an allocation failed even after a full collection: the run is over */
    size_t refused;           /* size of the last refused growth, 0 after a growth succeeds */
    double timeout_s;         /* 0 = none */
    double deadline;          /* monotonic seconds */
    bool time_hit;            /* the deadline passed: the run is over */
    bool disarmed;            /* no limits at all (a state that never ran a script) */
    double ended_at;          /* monotonic seconds when the last script run ended, 0 = none */
    bool closing;             /* lua_close is running the last finalizers, still under the limits */
    bool hit_at_close;        /* ... and one of them hit a limit */
    bool interrupted;         /* Ctrl-C reached the script: the run is over */
    char stop[512];           /* set by mend_limits_stop: why the run must end now ("" = no) */
    lua_State *L;             /* the state they were last armed for */
    mend_pool pool;           /* where Lua's small blocks come from */
    bool pool_hit;            /* memory_hit came from the pool's cap, not from bytes held */
    size_t young_low, young_high;  /* outside these heap sizes the young generation is resized */
    bool young_due;           /* the heap left them: the hook resizes it */
    bool young_own;           /* the script chose the collector's mode: mend leaves it alone */
    int young_mul;            /* the minor multiplier mend last set (0 = Lua's default) */
} mend_limits;

/* Ends the script at its next instructions with msg, the way a limit does (pcall cannot keep it
 * going): for a failure below the script, such as a journal that can no longer be written. */
void mend_limits_stop(lua_State *L, const char *msg);

/* Takes seconds spent below the script on mend's own work (the host's deferred load) off its
 * time: the deadline and the watchdog move on by that much. */
void mend_limits_exclude(lua_State *L, double seconds);
/* mend's own work below the script starts (the host's deferred load): the watchdog, which would
 * count it, waits until mend_limits_exclude takes that time off. */
void mend_limits_hold(lua_State *L);

/* The most mend loads as one script (run, dofile, loadfile, require), whatever --max-memory. */
#define MEND_SCRIPT_FILE_MAX ((size_t)64 << 20)

/* The pool's cap for a memory limit of max bytes (0 = none): twice the limit, room for blocks
 * spread over several size classes, so RSS stays within a small multiple of --max-memory. */
#define MEND_LIMITS_POOL_CAP(max) ((max) ? 2 * (max) + ((size_t)8 << 20) : 0)

/* The allocator enforcing limits->max; frees always succeed. */
void *mend_limits_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
/* L's limits when L is a state mend_lua_new made (its allocator is mend's), else NULL. */
mend_limits *mend_limits_of(lua_State *L);
/* Starts the clock: no hook until a limit is near (the deadline's timer, Ctrl-C, the memory
 * limit or mend_limits_stop sets one on L); coroutines are hooked for good (see below). */
void mend_limits_arm(lua_State *L, mend_limits *lim);
/* The script ended: its deadline's timer cancelled, L unhooked. */
void mend_limits_rest(lua_State *L, mend_limits *lim);
/* coroutine.create and coroutine.wrap hook the threads they make: a timer can stop only the
 * main thread, and a coroutine looping for ever would otherwise be left to the watchdog. */
void mend_limits_hook_coroutines(lua_State *L);
/* xpcall whose message handler is skipped once a limit is hit (Lua would run it with hooks off). */
void mend_limits_guard_xpcall(lua_State *L);
/* Sets the collector's minor multiplier so that the young generation is a cache's size (see
 * lua_young.c), unless the script chose the mode itself; due again when the heap halves or doubles. */
void mend_young_retune(lua_State *L, mend_limits *lim);
/* collectgarbage noting a script's own choice of mode. */
void mend_young_watch_collectgarbage(lua_State *L);
/* Stops the watchdog that arm started: call once the state is closed or idle (shell prompt). */
void mend_limits_settle(void);
/* Closes L with the memory limit and the watchdog still armed: the finalizers lua_close runs
 * are the script's code too. Returns true when one of them hit a limit (then
 * mend_limits_message says which). */
bool mend_limits_close(lua_State *L, mend_limits *lim);
/* Asks every running script to stop at its next instruction; safe in a signal handler. */
void mend_limits_interrupt(void);
/* Forgets a Ctrl-C already handled (the shell, before its next statement). */
void mend_limits_forget_interrupt(void);
/* Ctrl-C came (and was not forgotten since): what runs several scripts stops there. */
bool mend_limits_was_interrupted(void);
/* "script exceeded the time limit of 5 s" / "...memory limit of 64 MiB", or NULL. */
const char *mend_limits_message(const mend_limits *lim, char *buf, size_t size);

/* Opens the standard library: the allowlist, or everything when unsafe; with stdout_is_report
 * (--json) print and io.write go to stderr. Then sets require's search path: script_dir,
 * $MEND_PATH, scripts_dir (any may be NULL). Raises on failure (call it under pcall). */
void mend_sandbox_open(lua_State *L, bool unsafe, bool stdout_is_report, const char *script_dir,
                       const char *scripts_dir);

/* Confines the sandbox's file writes (io.open for writing, os.remove, os.rename) to the working
 * and temp folders (and capture's -o file), never under mend's own files: data dir, state dir,
 * backups, --journal, --report, --plan, the simulator's state file; io.open and io.lines
 * refuse to read the plan key. eng may be NULL (then only scripts_dir, which may be NULL too).
 * Raises on failure. */
struct mend_engine;
void mend_sandbox_confine(lua_State *L, const struct mend_engine *eng, const char *scripts_dir);

/* Loads a Lua source file (UTF-8 path; a leading BOM and #! line are skipped; binary chunks
 * refused) as chunk "@path". Returns a lua_load status with the function or the message pushed. */
int mend_load_text_file(lua_State *L, const char *path);

/* Counts bytes a binding makes the host keep for the script (values written through reg.set)
 * against --max-memory, for the rest of the run; raises the memory limit's error (which ends
 * the run, pcall or not) when they do not fit. */
void mend_lua_charge(lua_State *L, size_t bytes);

/* Whether the sandbox lets a script write path (always with --unsafe); else the reason in why.
 * For bindings that write a file the script names (reg.export). */
bool mend_lua_may_write(lua_State *L, const char *path, char *why, size_t whylen);
/* The same for reading: false (with why) for mend's plan key, which no script reads. */
bool mend_lua_may_read(lua_State *L, const char *path, char *why, size_t whylen);

#endif
