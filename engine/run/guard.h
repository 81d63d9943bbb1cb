/* The one checkpoint before every mutating host call: gate, dry-run, journal, counters. */
#ifndef MEND_GUARD_H
#define MEND_GUARD_H

#include "engine.h"
#include "report.h"

typedef struct mend_action {
    const char *op;          /* "ipsec.delete", "proc.kill", ... */
    const char *target;      /* policy name, "vpnagent.exe (pid 4242)", key path ... */
    unsigned gate;           /* 0 or one MEND_GATE_* bit */
    mend_counter counter;
    const char *question;    /* confirmation prompt when the gate is closed, e.g.
                                "Stop vpnagent.exe (pid 4242)?"; NULL = built from op/target */
} mend_action;

typedef enum mend_guard_verdict {
    MEND_GUARD_GO = 0,       /* call the host */
    MEND_GUARD_SKIP,         /* dry-run on a host without what-if: report success, call nothing */
    MEND_GUARD_REFUSED       /* a gate said no: *e is MEND_E_NOT_PERMITTED with the --allow hint */
} mend_guard_verdict;

/* Appends at most max bytes of text to buf (size, *len), control characters as '?': nothing a
 * name or a script says can move the cursor or recolour a prompt. */
void mend_guard_append(char *buf, size_t size, size_t *len, const char *text, size_t max);

/* "A, B and C" / "A, B, C and 7 more" (quoted: 'A', ...), each name bounded. */
void mend_guard_names(char *buf, size_t size, size_t *len, char *const *names, size_t n, bool quoted);

/* The running services that depend on service, as a prompt names them, into buf; returns how
 * many (0 when the host cannot tell), or -1 with the reason in buf. */
int mend_guard_dependents(mend_engine *eng, const char *service, char *buf, size_t size);

/* Decides, and for GO journals "begin" (flushed and fsynced) before the caller acts. */
mend_guard_verdict mend_guard_begin(mend_engine *eng, const mend_action *a, mend_err *e);

/* After the host call (GO) or instead of it (SKIP): journals "end" with the result and counts
 * the action when it succeeded. e is NULL on success. */
void mend_guard_end(mend_engine *eng, const mend_action *a, mend_guard_verdict v, const mend_err *e);

#endif
