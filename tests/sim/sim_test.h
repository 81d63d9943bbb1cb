/* Shared helpers for the simulator tests: scenario files in the test folder, short op calls. */
#ifndef MEND_SIM_TEST_H
#define MEND_SIM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "host.h"
#include "sim.h"
#include "sim_internal.h"

/* Writes text to a fresh file in the test folder (unique per process and call); malloc'd path. */
char *st_write(const char *text);
/* A fresh state file holding scenarios/tests/NAME.lua (scenarios/NAME.lua for "demo"); malloc'd path. */
char *st_copy_scenario(const char *name);
/* The file's bytes (malloc'd) and size. */
char *st_read(const char *path, size_t *n);
/* Fails the test unless the file holds exactly these n bytes. */
void st_assert_bytes(const char *path, const char *want, size_t n);
/* Opens the simulator on a fresh copy of the scenario text. */
void st_open(mend_host *h, const char *scenario);
void st_open_file(mend_host *h, const char *path, bool dry_run);
/* Opens a fresh copy of scenarios/tests/NAME.lua (or scenarios/NAME.lua for "demo"). */
void st_open_scenario(mend_host *h, const char *name);
/* Saves (commit) and closes. */
void st_commit_close(mend_host *h);
/* Writes the machine to path in the saved form whatever changed (a commit writes only after a
 * change), and closes. */
void st_save_close(mend_host *h, const char *path);

/* -1 when the policy is not listed, else its mend_policy_state. */
int st_state(mend_host *h, const char *name);
bool st_assigned(mend_host *h, const char *name);
/* The stable code of an operation's result (MEND_OK on success), with e kept for messages. */
mend_code st_delete(mend_host *h, const char *name, mend_err *e);
mend_code st_create(mend_host *h, const char *name, mend_err *e);
mend_code st_restart(mend_host *h, const char *service);
mend_code st_call(int rc, const mend_err *e);
mend_svc_state st_svc_state(mend_host *h, const char *name);
uint32_t st_pid_of(mend_host *h, const char *process);   /* 0 if not running */
size_t st_count(mend_host *h);                           /* listed policies */
/* -1 when the SPD does not hold the QM policy, else its pending_deletion (0/1); *refs when wanted. */
int st_qm_state(mend_host *h, const char *name, uint32_t *refs);
/* Loads a scenario text and returns the error (MEND_OK when it loaded). */
mend_code st_load_error(const char *text, mend_err *e);
/* Fails the test unless the scenario text is refused as invalid with fragment in the message. */
void st_expect_load_error(const char *text, const char *fragment);

#endif
