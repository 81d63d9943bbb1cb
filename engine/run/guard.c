/* The one checkpoint before every mutating host call: gate, dry-run, journal, counters. */
#include "guard.h"
#include "engine_private.h"
#include "journal.h"
#include "log.h"
#include "report.h"

#include <stdio.h>
#include <string.h>

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

void mend_guard_append(char *buf, size_t size, size_t *len, const char *text, size_t max)
{
    const unsigned char *t = (const unsigned char *)(text ? text : "");
    for (size_t i = 0; t[i] && i < max && *len + 1 < size; i++) {
        unsigned char c = t[i];
        /* A C1 control in UTF-8 is C2 80..9F: one '?' for both bytes. */
        if (c == 0xC2 && t[i + 1] >= 0x80 && t[i + 1] <= 0x9F) {
            i++;
            c = '?';
        } else if (c < 0x20 || c == 0x7F) {
            c = '?';
        } else if (c >= 0xC0) {
            /* A character is copied whole or not at all: a cut name stays valid UTF-8. */
            size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2, j = 1;
            while (j < k && t[i + j] >= 0x80 && t[i + j] < 0xC0)
                j++;
            if (i + j > max || *len + j + 1 > size)
                break;
            memcpy(buf + *len, t + i, j);
            *len += j;
            i += j - 1;
            continue;
        }
        buf[(*len)++] = (char)c;
    }
    buf[*len] = '\0';
}

void mend_guard_names(char *buf, size_t size, size_t *len, char *const *names, size_t n, bool quoted)
{
    enum { SHOWN = 3, NAME_MAX_CHARS = 80 };
    for (size_t i = 0; i < n && i < SHOWN; i++) {
        mend_guard_append(buf, size, len, i == 0 ? "" : i + 1 == n ? " and " : ", ", 8);
        mend_guard_append(buf, size, len, quoted ? "'" : "", 1);
        mend_guard_append(buf, size, len, names[i], NAME_MAX_CHARS);
        mend_guard_append(buf, size, len, quoted ? "'" : "", 1);
    }
    if (n > SHOWN) {
        char more[48];
        snprintf(more, sizeof more, " and %lu more", (unsigned long)(n - SHOWN));
        mend_guard_append(buf, size, len, more, sizeof more);
    }
}

int mend_guard_dependents(mend_engine *eng, const char *service, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    if (!eng->host.ops || !eng->host.ops->svc.dependents)
        return 0;
    char **v = NULL;
    size_t n = 0;
    mend_err e;
    mend_err_clear(&e);
    if (eng->host.ops->svc.dependents(eng->host.ctx, service, true, &v, &n, &e) != 0) {
        mend_guard_append(buf, size, &len, "(its dependents could not be listed: ", 64);
        mend_guard_append(buf, size, &len, e.msg, 200);
        mend_guard_append(buf, size, &len, ")", 1);
        return -1;
    }
    mend_guard_names(buf, size, &len, v, n, false);
    mend_string_free_list(v, n);
    return (int)n;
}

/* The question C asks: the binding's sentence with its side effects, then what the script said
 * comes after (a restart, whose running dependents the host names) and what it is for. */
static void build_question(mend_engine *eng, const mend_action *a, char *q, size_t size)
{
    size_t len = 0;
    q[0] = '\0';
    if (a->question) {
        mend_guard_append(q, size, &len, a->question, size);
    } else {
        mend_guard_append(q, size, &len, "Allow ", 6);
        mend_guard_append(q, size, &len, a->op ? a->op : "this action", 64);
        mend_guard_append(q, size, &len, " on ", 4);
        mend_guard_append(q, size, &len, a->target ? a->target : "this machine", 300);
        mend_guard_append(q, size, &len, "?", 1);
    }
    if (eng->purpose_restart[0]) {
        char deps[512];
        int n = mend_guard_dependents(eng, eng->purpose_restart, deps, sizeof deps);
        mend_guard_append(q, size, &len, " Afterwards ", 12);
        mend_guard_append(q, size, &len, eng->purpose_restart, sizeof eng->purpose_restart);
        mend_guard_append(q, size, &len, " restarts", 9);
        if (n > 0) {
            mend_guard_append(q, size, &len, n == 1 ? "; the service that depends on it, " :
                              "; the services that depend on it, ", 40);
            mend_guard_append(q, size, &len, deps, sizeof deps);
            mend_guard_append(q, size, &len, n == 1 ? ", stops and starts again with it" :
                              ", stop and start again with it", 40);
        } else if (n < 0) {
            mend_guard_append(q, size, &len, " ", 1);
            mend_guard_append(q, size, &len, deps, sizeof deps);
        }
        mend_guard_append(q, size, &len, ".", 1);
    }
    if (eng->purpose[0]) {
        mend_guard_append(q, size, &len, " This is for ", 13);
        mend_guard_append(q, size, &len, eng->purpose, sizeof eng->purpose);
        mend_guard_append(q, size, &len, ".", 1);
    }
}

static bool gate_open(mend_engine *eng, const mend_action *a)
{
    if (!a->gate || mend_engine_allowed(eng, a->gate))
        return true;
    /* --yes answers prompts for the reversible gates only: rebooting a server or the
     * registry's nuclear option takes --allow or a person at the keyboard. */
    bool nuclear = a->gate == MEND_GATE_REBOOT || a->gate == MEND_GATE_REGISTRY;
    if (!nuclear && eng->opts && eng->opts->yes)
        return true;
    /* The question (which asks the host for dependents) only when someone will read it: a
     * shut gate in a 20,000-policy batch refuses each policy without building one. */
    if (!mend_engine_can_ask(eng))
        return false;
    char question[2048];
    build_question(eng, a, question, sizeof question);
    return mend_engine_ask(eng, question);
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
