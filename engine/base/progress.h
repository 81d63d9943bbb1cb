/* The progress line on a terminal: one line on stderr, redrawn in place, cleared around others. */
#ifndef MEND_PROGRESS_H
#define MEND_PROGRESS_H

#include <stdbool.h>

/* Past this many policies a run's human output is a summary, and step lines need -v. */
#define MEND_PROGRESS_BIG 50

/* enabled: stderr is a terminal and the run is not quiet or --json. */
void mend_progress_init(bool enabled);
/* A policy's outcome changed (before NULL the first time): the per-outcome counts. */
void mend_progress_outcome(const char *before, const char *now);
/* done of total policies settled; redraws the line (at most ten times a second). */
void mend_progress_update(long done, long total);
/* More than MEND_PROGRESS_BIG policies in this run (known once the first update came). */
bool mend_progress_big(void);
/* Clear the line before printing another, show it again after. */
void mend_progress_hide(void);
void mend_progress_show(void);
/* Cleared for good: the summary comes next. */
void mend_progress_end(void);

#endif
