/* The one checkpoint before every mutating host call: gate, dry-run, journal, counters. */
#ifndef MEND_GUARD_H
#define MEND_GUARD_H

#include "engine.h"

/* The report's "actions" counters. The first eight are DESIGN's; the rest are extra. */
typedef enum mend_counter {
    MEND_COUNT_NONE = -1,
    MEND_COUNT_DELETES = 0,
    MEND_COUNT_GPUPDATES,
    MEND_COUNT_SERVICE_RESTARTS,
    MEND_COUNT_REBOOTS,
    MEND_COUNT_KILLS,
    MEND_COUNT_REGISTRY_DELETES,
    MEND_COUNT_UNASSIGNS,
    MEND_COUNT_OFFLOAD_CHANGES,
    MEND_COUNT_CREATES,
    MEND_COUNT_ASSIGNS,
    MEND_COUNT_SERVICE_STARTS,
    MEND_COUNT_SERVICE_STOPS,
    MEND_COUNT_REGISTRY_WRITES,
    MEND_COUNT_ADAPTER_RESTARTS,
    MEND_COUNT_SPD_SA_DELETES,
    MEND_COUNT_SPD_QM_DELETES,
    MEND_COUNT_SPD_FILTER_DELETES,
    MEND_COUNT__N
} mend_counter;

const char *mend_counter_name(mend_counter c);   /* "deletes", "gpupdates", ... */

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

/* Decides, and for GO journals "begin" (flushed and fsynced) before the caller acts. */
mend_guard_verdict mend_guard_begin(mend_engine *eng, const mend_action *a, mend_err *e);

/* After the host call (GO) or instead of it (SKIP): journals "end" with the result and counts
 * the action when it succeeded. e is NULL on success. */
void mend_guard_end(mend_engine *eng, const mend_action *a, mend_guard_verdict v, const mend_err *e);

#endif
