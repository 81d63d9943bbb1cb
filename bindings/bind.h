/* What every binding shares: reaching the engine, the nil/message/code convention, owning
 * host lists across Lua errors, and the guarded call that applies gates, dry-run and journal. */
#ifndef MEND_BIND_H
#define MEND_BIND_H

#include <lua.h>
#include <lauxlib.h>

#include "engine.h"
#include "guard.h"

/* The engine stored in the registry by mend_bindings_open. Raises if absent. */
mend_engine *bind_engine(lua_State *L);

/* Pushes nil, e->msg, code name; returns 3 (the Lua io convention). */
int bind_fail(lua_State *L, const mend_err *e);

/* Pushes true; returns 1. */
int bind_true(lua_State *L);

/* The one result of a call that answers true or nil, message, code: bind_true when rc is 0,
 * else bind_fail(L, e). */
int bind_result(lua_State *L, int rc, const mend_err *e);

/* Hands p to a userdata box whose __gc/__close calls freefn(p, n), so host lists are freed
 * even when building the Lua result raises. Returns the box (left on the stack). */
typedef void (*bind_freefn)(void *p, size_t n);
void bind_own(lua_State *L, void *p, size_t n, bind_freefn freefn);

/* Takes a host list of n items of size bytes (freed by freefn whatever happens) and pushes it
 * as an array: push(L, item, ud) pushes one element and returns 1, or returns 0 to leave it out. */
typedef int (*bind_pushfn)(lua_State *L, const void *item, const void *ud);
void bind_push_list(lua_State *L, void *list, size_t n, size_t size, bind_freefn freefn, bind_pushfn push,
                    const void *ud);

/* Gate, dry-run and journal for one mutating call. Returns the verdict; on REFUSED the caller
 * returns bind_fail(L, e). */
mend_guard_verdict bind_guard(lua_State *L, const mend_action *a, mend_err *e);
/* Closes what bind_guard opened; e NULL on success. */
void bind_guard_end(lua_State *L, const mend_action *a, mend_guard_verdict v, const mend_err *e);

/* The guarded call every mutating binding makes: bind_guard, then before(eng, ud, e) unless
 * refused (what must happen even in a dry run: a backup), then act(eng, ud, e) only when the
 * guard says go, then bind_guard_end. Returns 0, or -1 with *e set (refused, or a step failed).
 * before may be NULL. */
typedef int (*bind_step_fn)(mend_engine *eng, void *ud, mend_err *e);
int bind_guarded(lua_State *L, const mend_action *a, bind_step_fn before, bind_step_fn act, void *ud,
                 mend_err *e);

/* Small table setters used when pushing host structs. */
void bind_setstr(lua_State *L, const char *k, const char *v);
void bind_setint(lua_State *L, const char *k, lua_Integer v);
void bind_setbool(lua_State *L, const char *k, int v);

/* Registry paths: accepts HKEY_LOCAL_MACHINE\..., HKLM\..., HKLM:\... and forward slashes;
 * writes the short-root form host.h expects. What the host cannot take (not valid UTF-8, a NUL
 * byte, too long) gets NULL with *e set (MEND_E_INVALID); a non-string argument or an unknown
 * root raises. */
const char *bind_regpath(lua_State *L, int arg, char *buf, size_t size, mend_err *e);

/* A string argument bound for the host: raises on a non-string; returns NULL with *e set
 * (MEND_E_INVALID) when it is not valid UTF-8 or holds a NUL byte. */
const char *bind_hoststr(lua_State *L, int arg, mend_err *e);

/* Checks a string already in hand the same way (what names the value in the message). */
int bind_checkutf8(const char *s, size_t len, const char *what, mend_err *e);

/* Backs up keys into one new .reg file in mend's backups folder, named after label (in dry-run
 * the file is only rendered, to prove it could be). file holds the name bind_reg_backup_name
 * chose (the prompt said it) or "" to choose one now. Fails with MEND_E_IO naming the reason. */
struct mend_regfile_key;
void bind_reg_backup_name(const mend_engine *eng, const char *label, char *file, size_t size);
int bind_reg_backup(const mend_engine *eng, const char *label, const struct mend_regfile_key *keys, size_t n,
                    char *file, size_t size, mend_err *e);

/* Registers a module: sets package.preload[name] and the global of the same name. */
void bind_register(lua_State *L, const char *name, lua_CFunction open);

#endif
