/* The journal: one JSON object per line, flushed and fsynced before and after each mutating
 * action, so an interrupted run leaves a true record of what it was doing. */
#ifndef MEND_JOURNAL_H
#define MEND_JOURNAL_H

#include <stdbool.h>

#include "mend_err.h"

typedef struct mend_journal mend_journal;

/* Opens (appends to) path, creating parent folders. run_id identifies this run's lines. */
mend_journal *mend_journal_open(const char *path, const char *run_id, mend_err *e);
void mend_journal_close(mend_journal *j);

/* each=true (the default): every record is fsynced before the caller goes on — the guarantee a
 * real machine needs. each=false: records are still written through to the OS at once (they
 * survive the process dying), and fsynced together when the journal closes. For the simulator,
 * whose machine state reaches the disk only when the run commits, a per-record fsync buys
 * nothing and makes a 10,000-policy batch take ~20 s instead of ~2 s. */
void mend_journal_set_sync(mend_journal *j, bool each);

/* {"ts":..,"run":..,"seq":N,"event":"begin","op":..,"target":..} */
int mend_journal_begin(mend_journal *j, unsigned long seq, const char *op, const char *target, mend_err *e);
/* {"ts":..,"run":..,"seq":N,"event":"end","op":..,"target":..,"ok":true|false,"code":..,"message":..} */
int mend_journal_end(mend_journal *j, unsigned long seq, const char *op, const char *target,
                     const mend_err *result, mend_err *e);
/* {"ts":..,"run":..,"event":"run_start"|"run_end"|..., "detail":...} */
int mend_journal_event(mend_journal *j, const char *event, const char *detail, mend_err *e);

/* {"ts":..,"run":..,"event":"run_end","detail":..,"resolved":bool,"open":N}: resolved when this
 * run (a completed fix, batch or apply) settled what earlier interrupted runs left open; open is
 * how many such actions it was told about and left (0 closes the history too). */
int mend_journal_run_end(mend_journal *j, const char *detail, bool resolved, int open, mend_err *e);

/* Reads an existing journal and reports every action that began but never ended in the runs
 * since the last run_end that closed the history (interrupted runs stay reported until a run
 * resolves them). Calls cb once per such action, oldest first. Returns the number found, -1 on
 * error. */
int mend_journal_unfinished(const char *path,
                            void (*cb)(void *ud, const char *run, const char *op, const char *target),
                            void *ud, mend_err *e);

/* The same scan, also calling began for every action those runs began, whatever its end (what
 * an interrupted run was working on). */
int mend_journal_unresolved(const char *path,
                            void (*open)(void *ud, const char *run, const char *op, const char *target),
                            void (*began)(void *ud, const char *run, const char *op, const char *target),
                            void *ud, mend_err *e);

#endif
