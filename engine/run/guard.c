/* The one checkpoint before every mutating host call: gate, dry-run, journal, counters. */
#include "guard.h"
#include "engine_private.h"
#include "journal.h"
#include "log.h"
#include "report.h"

#include <stdio.h>

/* What each gate stops, as the refusal sentence says it. */
static const char *gate_activity(unsigned gate)
{
    switch (gate) {
    case MEND_GATE_KILL: return "stopping processes";
    case MEND_GATE_REGISTRY: return "changing the registry";
    case MEND_GATE_REBOOT: return "rebooting the machine";
    case MEND_GATE_NIC: return "changing network adapter settings";
    case MEND_GATE_SERVICE: return "starting or stopping services";
    default: return "this action";
    }
}

static bool gate_open(mend_engine *eng, const mend_action *a)
{
    if (!a->gate || mend_engine_allowed(eng, a->gate))
        return true;
    char question[512];
    if (a->question)
        snprintf(question, sizeof question, "%s", a->question);
    else
        snprintf(question, sizeof question, "Allow %s on %s?", a->op ? a->op : "this action",
                 a->target ? a->target : "this machine");
    /* --yes answers prompts for the reversible gates only: rebooting a server or the
     * registry's nuclear option takes --allow or a person at the keyboard. */
    if (a->gate == MEND_GATE_REBOOT || a->gate == MEND_GATE_REGISTRY)
        return mend_engine_ask(eng, question);
    return mend_engine_confirm(eng, question);
}

static mend_guard_verdict journal_broken(mend_engine *eng, const mend_action *a, const char *why, mend_err *e)
{
    eng->journal_failed = true;
    /* The reason first: a long journal path must not push it out of the message. */
    mend_err_set(e, MEND_E_IO, 0, "%s; mend stopped before %s (nothing is done without a record): free space "
                 "there or pass --journal FILE on another disk, then run mend again",
                 why, a->op ? a->op : "the next action");
    return MEND_GUARD_REFUSED;
}

mend_guard_verdict mend_guard_begin(mend_engine *eng, const mend_action *a, mend_err *e)
{
    if (!gate_open(eng, a)) {
        mend_err_set(e, MEND_E_NOT_PERMITTED, 0, "%s is not allowed; rerun with --allow %s",
                     gate_activity(a->gate), mend_gate_name(a->gate) ? mend_gate_name(a->gate) : "all");
        return MEND_GUARD_REFUSED;
    }
    eng->seq++;
    if (eng->opts && eng->opts->dry_run && !eng->host.what_if)
        return MEND_GUARD_SKIP;
    if (eng->journal) {
        mend_err je;
        /* No record, no action: the journal must never miss something that was done. */
        if (eng->journal_failed)
            return journal_broken(eng, a, "its journal could not be written earlier in this run", e);
        if (mend_journal_begin(eng->journal, eng->seq, a->op, a->target, &je) != 0)
            return journal_broken(eng, a, je.msg, e);
    }
    return MEND_GUARD_GO;
}

void mend_guard_end(mend_engine *eng, const mend_action *a, mend_guard_verdict v, const mend_err *e)
{
    if (v == MEND_GUARD_REFUSED)
        return;
    if (v == MEND_GUARD_GO && eng->journal) {
        mend_err je;
        if (mend_journal_end(eng->journal, eng->seq, a->op, a->target, e, &je) != 0) {
            /* The action happened; its end is not on record. Nothing more may run. */
            mend_log(MEND_LOG_ERROR, "%s (the action itself %s)", je.msg, !e || e->code == MEND_OK ? "succeeded" : "failed");
            eng->journal_failed = true;
        }
    }
    if ((!e || e->code == MEND_OK) && a->counter != MEND_COUNT_NONE)
        mend_report_count(eng->report, a->counter);
}
