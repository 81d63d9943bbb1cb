/* A tiny in-memory registry behind the reg operations of mend_host_ops, for .reg tests and fuzzing. */
#ifndef MEND_TEST_FAKE_REGISTRY_H
#define MEND_TEST_FAKE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"

typedef struct fake_reg fake_reg;

/* A registry with no keys at all; any root (HKLM, HKCU, ...) springs up when written to.
 * Keys and value names compare case-insensitively (ASCII), subkeys list sorted like Windows,
 * values in the order they were first set. */
fake_reg *fake_reg_new(void);
void fake_reg_free(fake_reg *r);

/* A host whose reg.* operations work on r (every other operation is NULL). */
void fake_reg_host(fake_reg *r, mend_host *h);

/* Shortcuts for building trees in tests; they abort on failure. */
void fake_reg_set(fake_reg *r, const char *path, const char *name, uint32_t type, const void *data, size_t size);
void fake_reg_set_sz(fake_reg *r, const char *path, const char *name, const char *text);
void fake_reg_set_dword(fake_reg *r, const char *path, const char *name, uint32_t v);
void fake_reg_key(fake_reg *r, const char *path);

/* A deterministic text listing of every key and value (hex data), to compare registries. */
char *fake_reg_dump(const fake_reg *r);

/* How many mutating calls reached r (create_key, set, delete_key, delete_value). */
size_t fake_reg_writes(const fake_reg *r);

#endif
