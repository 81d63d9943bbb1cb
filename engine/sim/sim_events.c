/* The simulated event log: a record of every operation that answered 13023, kept across reboots. */
#include "sim_internal.h"
#include "sim_scenario_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* As Windows' logs wrap, the oldest records go first once the log is full. */
#define SIM_EVENTS_MAX 1000

/* The record the simulator writes: PAStore's "failed to apply" audit event (docs/windows-model.md
 * says what is documented about it and what is inferred). */
#define SIM_EVENT_ID 5461u
#define SIM_EVENT_SOURCE "Microsoft-Windows-Security-Auditing"

void sim_events_free(sim_machine *m)
{
    for (size_t i = 0; i < m->nevents; i++) {
        free(m->events[i].source);
        free(m->events[i].policy);
        free(m->events[i].message);
    }
    free(m->events);
    m->events = NULL;
    m->nevents = m->capevents = 0;
}

int sim_events_add(sim_machine *m, mend_event *ev)
{
    if (m->nevents == SIM_EVENTS_MAX) {
        free(m->events[0].source);
        free(m->events[0].policy);
        free(m->events[0].message);
        memmove(m->events, m->events + 1, (m->nevents - 1) * sizeof *m->events);
        m->nevents--;
    }
    if (m->nevents == m->capevents) {
        size_t cap = m->capevents ? m->capevents * 2 : 16;
        mend_event *a = realloc(m->events, cap * sizeof *a);
        if (!a) {
            free(ev->source);
            free(ev->policy);
            free(ev->message);
            return -1;
        }
        m->events = a;
        m->capevents = cap;
    }
    m->events[m->nevents++] = *ev;
    return 0;
}

bool sim_events_record(sim_machine *m, const char *op, const char *policy, const mend_err *e)
{
    if (!e || e->win32 != MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION || !policy || !*policy)
        return false;
    char msg[MEND_MSG_MAX + 400];
    snprintf(msg, sizeof msg, "%s %.200s failed: %s", op, policy, e->msg);
    mend_event ev = { .time = m->clock, .id = SIM_EVENT_ID, .code = e->win32 };
    ev.source = mend_strdup(SIM_EVENT_SOURCE);
    ev.policy = mend_strdup(policy);
    ev.message = mend_strdup(msg);
    if (!ev.source || !ev.policy || !ev.message) {
        free(ev.source);
        free(ev.policy);
        free(ev.message);
        return false;   /* the log is evidence, never a reason to fail the operation */
    }
    return sim_events_add(m, &ev) == 0;
}

int sim_events_recent(sim_machine *m, double since, mend_event **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    mend_event *a = calloc(m->nevents ? m->nevents : 1, sizeof *a);
    if (!a)
        return sim_oom(e);
    size_t k = 0;
    for (size_t i = m->nevents; i-- > 0;) {
        const mend_event *s = &m->events[i];
        if (s->time < since)
            continue;
        a[k] = *s;
        a[k].source = mend_strdup(s->source);
        a[k].policy = mend_strdup(s->policy);
        a[k].message = mend_strdup(s->message);
        if (!a[k].source || !a[k].policy || !a[k].message) {
            mend_event_free_list(a, k + 1);
            return sim_oom(e);
        }
        k++;
    }
    *out = a;
    *n = k;
    return 0;
}

/* events = { { policy = "Corp-QM", time = 1700000000, id = 5461, source = "...", code = 13023,
 * message = "..." }, ... }, oldest first; only policy is required. */
int sim_events_load(sc_ctx *c, int t)
{
    static const char *const keys[] = { "time", "id", "source", "code", "policy", "message", NULL };
    size_t n;
    int has = sc_open_list(c, t, NULL, "events", &n);
    if (has <= 0)
        return has;
    for (size_t i = 1; i <= n; i++) {
        char where[48];
        snprintf(where, sizeof where, "events[%lu]", (unsigned long)i);
        if (sc_list_item_table(c, i, where) != 0)
            return -1;
        int x = lua_gettop(c->L);
        mend_event ev = { .time = c->m->clock, .id = SIM_EVENT_ID, .code = MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION };
        double time = ev.time;
        if (sc_check_keys(c, x, where, keys) || sc_opt_number(c, x, where, "time", &time) ||
            sc_opt_u32(c, x, where, "id", &ev.id) || sc_opt_u32(c, x, where, "code", &ev.code) ||
            sc_opt_string(c, x, where, "source", &ev.source, SIM_EVENT_SOURCE) ||
            sc_opt_string(c, x, where, "policy", &ev.policy, NULL) ||
            sc_opt_string(c, x, where, "message", &ev.message, "")) {
            free(ev.source);
            free(ev.policy);
            free(ev.message);
            return -1;
        }
        ev.time = time;
        if (!ev.policy || !ev.policy[0]) {
            free(ev.source);
            free(ev.policy);
            free(ev.message);
            return sc_fail(c, "%s.policy: missing (an event names the policy it is about)", where);
        }
        if (!ev.source || !ev.message || sim_events_add(c->m, &ev) != 0)
            return sc_oom(c);
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return 0;
}

void sim_events_save(mend_buf *b, const sim_machine *m)
{
    if (!m->nevents)
        return;
    mend_buf_str(b, "  events = {\n");
    for (size_t i = 0; i < m->nevents; i++) {
        const mend_event *ev = &m->events[i];
        mend_buf_printf(b, "    { time = %.17g, id = %u, code = %u, source = ", ev->time, (unsigned)ev->id,
                       (unsigned)ev->code);
        sim_buf_quote(b, ev->source, strlen(ev->source));
        mend_buf_str(b, ", policy = ");
        sim_buf_quote(b, ev->policy, strlen(ev->policy));
        mend_buf_str(b, ", message = ");
        sim_buf_quote(b, ev->message, strlen(ev->message));
        mend_buf_str(b, " },\n");
    }
    mend_buf_str(b, "  },\n");
}
