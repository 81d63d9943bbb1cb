/* The simulated SPD: what the Policy Agent plumbs from the store, derived on every read. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One quick-mode policy as the SPD holds it, derived from the static policy that plumbed it. */
typedef struct spd_qm {
    const sim_policy *owner;
    char name[300];
    char guid[SIM_GUID_LEN + 1];
    bool plumbed;              /* the assigned policy: its filters reference it */
    bool pending;
    uint32_t filters;          /* 0 or 1: its filter list's filter, plumbed or orphaned */
    uint32_t sas;
} spd_qm;

/* The filter action is what becomes the quick-mode policy (MS-GPIPSEC's negotiation policy). */
static void qm_name(const sim_policy *p, char out[300])
{
    if (p->filter_action)
        snprintf(out, 300, "%.250s", p->filter_action);
    else
        snprintf(out, 300, "%.250s filter action", p->name);
}

static void filter_name(const sim_policy *p, char out[300])
{
    if (p->filter_list)
        snprintf(out, 300, "%.250s", p->filter_list);
    else
        snprintf(out, 300, "%.250s filter list", p->name);
}

static void deleted_key(const sim_policy *p, char out[400])
{
    char name[300];
    qm_name(p, name);
    snprintf(out, 400, "%s|%s", p->guid, name);
}

static bool listed(const sim_strlist *l, const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], key) == 0)
            return true;
    return false;
}

static bool is_deleted(const sim_machine *m, const sim_policy *p)
{
    char key[400];
    deleted_key(p, key);
    return listed(&m->spd_deleted, key);
}

/* A plumbed filter deleted (spd.delete_filter) stays gone until the agent plumbs it again. */
static void filter_key(const sim_policy *p, char out[400])
{
    char name[300];
    filter_name(p, name);
    snprintf(out, 400, "%s|%s", p->guid, name);
}

static bool filter_deleted(const sim_machine *m, const sim_policy *p)
{
    char key[400];
    filter_key(p, key);
    return listed(&m->spd_filters_deleted, key);
}

/* The SPD exists only while the agent runs. The assigned policy is plumbed (its QM policy
 * and filter); an unassigned policy pending deletion whose SAs or orphaned filter live on
 * keeps its QM policy, pending deletion, until they drop. A QM policy deleted while
 * referenced goes with its last reference. *n may be 0 with *out NULL. */
static int derive(sim_machine *m, spd_qm **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!sim_agent_alive(m))
        return 0;
    sim_store_sync(m);
    spd_qm *a = calloc(m->npol ? m->npol : 1, sizeof *a);
    if (!a)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < m->npol; i++) {
        const sim_policy *p = m->pol[i];
        spd_qm q = { .owner = p };
        if (p->in_store && sim_policy_assigned(m, p)) {
            q.plumbed = true;
            q.pending = is_deleted(m, p);
            q.filters = filter_deleted(m, p) ? 0 : 1;
            if (q.pending && q.filters == 0 && p->sa_count == 0)
                continue;                   /* deleted, and nothing references it any more */
        } else if (p->in_table && p->state == MEND_POLICY_PENDING_DELETION &&
                   (p->sa_count > 0 || (p->blockers & (SIM_B_SPD_QM | SIM_B_ORPHAN_FILTER)))) {
            q.pending = true;
            q.filters = (p->blockers & SIM_B_ORPHAN_FILTER) ? 1 : 0;
        } else {
            continue;
        }
        q.sas = p->sa_count;
        qm_name(p, q.name);
        char seed[320];
        snprintf(seed, sizeof seed, "spd-qm:%s", q.name);
        sim_guid_from_name(seed, 0, q.guid);
        a[k++] = q;
    }
    *out = a;
    *n = k;
    return 0;
}

/* Seeded by the static policy's GUID too: two orphans of one shared filter list differ. */
static void filter_guid(const sim_policy *p, char out[SIM_GUID_LEN + 1])
{
    char name[300], seed[400];
    filter_name(p, name);
    snprintf(seed, sizeof seed, "spd-filter:%s|%s", p->guid, name);
    sim_guid_from_name(seed, 0, out);
}

static const spd_qm *find(const spd_qm *a, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (sim_strcasecmp(a[i].name, name) == 0)
            return &a[i];
    return NULL;
}

/* Derives the SPD and allocates the answer: one element per QM policy, or per SA. NULL on oom
 * (with *e filled and nothing left allocated). */
static void *derive_alloc(sim_machine *m, spd_qm **q, size_t *nq, size_t elsize, bool per_sa, size_t *cap,
                          mend_err *e)
{
    if (derive(m, q, nq) != 0) {
        sim_oom(e);
        return NULL;
    }
    *cap = *nq;
    if (per_sa) {
        *cap = 0;
        for (size_t i = 0; i < *nq; i++)
            *cap += (*q)[i].sas;
    }
    void *r = calloc(*cap ? *cap : 1, elsize);
    if (!r) {
        free(*q);
        sim_oom(e);
    }
    return r;
}

int sim_spd_qm_policies(sim_machine *m, mend_spd_qm_policy **out, size_t *n, mend_err *e)
{
    spd_qm *q;
    size_t nq, cap;
    *out = NULL;
    *n = 0;
    mend_spd_qm_policy *r = derive_alloc(m, &q, &nq, sizeof *r, false, &cap, e);
    if (!r)
        return -1;
    for (size_t i = 0; i < nq; i++) {
        r[i].name = mend_strdup(q[i].name);
        r[i].guid = mend_strdup(q[i].guid);
        r[i].flags = 0;   /* transport mode, not the default policy */
        r[i].pending_deletion = q[i].pending ? 1 : 0;
        r[i].refs = q[i].filters + q[i].sas;
        if (!r[i].name || !r[i].guid) {
            mend_spd_qm_policy_free_list(r, i + 1);
            free(q);
            return sim_oom(e);
        }
    }
    free(q);
    *out = r;
    *n = nq;
    return 0;
}

int sim_spd_filters(sim_machine *m, mend_spd_filter **out, size_t *n, mend_err *e)
{
    spd_qm *q;
    size_t nq, cap;
    *out = NULL;
    *n = 0;
    mend_spd_filter *r = derive_alloc(m, &q, &nq, sizeof *r, false, &cap, e);
    if (!r)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < nq; i++) {
        if (q[i].filters == 0)
            continue;
        char name[300], g[SIM_GUID_LEN + 1];
        filter_name(q[i].owner, name);
        filter_guid(q[i].owner, g);
        r[k].name = mend_strdup(name);
        r[k].guid = mend_strdup(g);
        r[k].qm_policy = mend_strdup(q[i].name);
        r[k].tunnel = false;   /* the store's rules here are transport rules (no tunnel endpoint) */
        if (!r[k].name || !r[k].guid || !r[k].qm_policy) {
            mend_spd_filter_free_list(r, k + 1);
            free(q);
            return sim_oom(e);
        }
        k++;
    }
    free(q);
    *out = r;
    *n = k;
    return 0;
}

int sim_spd_sas(sim_machine *m, mend_spd_sa **out, size_t *n, mend_err *e)
{
    spd_qm *q;
    size_t nq, total;
    *out = NULL;
    *n = 0;
    mend_spd_sa *r = derive_alloc(m, &q, &nq, sizeof *r, true, &total, e);
    if (!r)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < nq; i++) {
        for (uint32_t j = 0; j < q[i].sas; j++, k++) {
            r[k].id = (uint64_t)k + 1;
            if (!(r[k].qm_policy = mend_strdup(q[i].name))) {
                mend_spd_sa_free_list(r, k + 1);
                free(q);
                return sim_oom(e);
            }
        }
    }
    free(q);
    *out = r;
    *n = total;
    return 0;
}

static int not_found(const char *name, mend_err *e)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_IPSEC_QM_POLICY_NOT_FOUND,
                        "The specified quick mode policy was not found: %.200s", name);
}

/* The SAs go (DeleteQMSAs); the static policy's sa_count follows, so the state file keeps it. */
int sim_spd_delete_sas(sim_machine *m, const char *qm_policy, mend_err *e)
{
    spd_qm *q;
    size_t nq;
    if (derive(m, &q, &nq) != 0)
        return sim_oom(e);
    bool found = false;
    for (size_t i = 0; i < nq; i++) {
        if (sim_strcasecmp(q[i].name, qm_policy) != 0)
            continue;
        found = true;
        sim_policy *p = sim_policy_by_guid(m, q[i].owner->guid);
        if (p)
            p->sa_count = 0;
    }
    free(q);
    return found ? 0 : not_found(qm_policy, e);
}

/* Referenced (filters, SAs): marked, it stays pending deletion until they drop, and the call
 * answers 13023 as DeleteQMPolicy's error says; unreferenced (the assigned policy's, once its
 * filter was deleted and its SAs dropped): gone until the agent plumbs it again. */
int sim_spd_delete_qm_policy(sim_machine *m, const char *name, mend_err *e)
{
    spd_qm *q;
    size_t nq;
    if (derive(m, &q, &nq) != 0)
        return sim_oom(e);
    const spd_qm *hit = find(q, nq, name);
    if (!hit) {
        free(q);
        return not_found(name, e);
    }
    bool pending = hit->pending;
    bool referenced = hit->filters > 0 || hit->sas > 0;
    sim_policy *owner = sim_policy_by_guid(m, hit->owner->guid);
    char key[400];
    deleted_key(hit->owner, key);
    free(q);
    if (pending && !referenced && owner) {
        owner->blockers &= ~(unsigned)SIM_B_SPD_QM;   /* nothing holds it any more: it goes */
        return 0;
    }
    if (pending)
        return mend_err_set(e, MEND_E_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION, NULL);
    if (sim_strlist_push(&m->spd_deleted, key) != 0)
        return sim_oom(e);
    if (referenced)
        return mend_err_set(e, MEND_E_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION, NULL);
    return 0;
}

/* Looks a filter up by GUID, else by name (letter case ignored): the QM entry that owns it,
 * or NULL with *e filled (not found; a name two filters share). */
static const spd_qm *find_filter(const spd_qm *q, size_t nq, const char *id, mend_err *e)
{
    const spd_qm *hit = NULL;
    for (size_t i = 0; i < nq && !hit; i++) {
        char g[SIM_GUID_LEN + 1];
        filter_guid(q[i].owner, g);
        if (q[i].filters > 0 && sim_strcasecmp(g, id) == 0)
            hit = &q[i];
    }
    size_t named = 0;
    for (size_t i = 0; i < nq && (!hit || named > 0); i++) {   /* every name, when none had the GUID */
        char name[300];
        filter_name(q[i].owner, name);
        if (q[i].filters == 0 || sim_strcasecmp(name, id) != 0)
            continue;
        if (named++ == 0)
            hit = &q[i];
    }
    if (named > 1) {
        mend_err_set(e, MEND_E_INVALID, 0, "%lu SPD filters are named '%.200s': name the one to delete by its "
                     "GUID (spd.filters() lists them)", (unsigned long)named, id);
        return NULL;
    }
    if (!hit)
        mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_IPSEC_TRANSPORT_FILTER_NOT_FOUND,
                     "The SPD has no transport or tunnel filter with the name or GUID %.200s", id);
    return hit;
}

/* DeleteTransportFilter: an orphaned filter goes for good (the agent's next start plumbs only
 * the assigned policy); the assigned policy's goes until that start. Either way its QM policy
 * loses the reference, and one pending deletion with none left goes too. */
int sim_spd_delete_filter(sim_machine *m, const char *name_or_guid, mend_err *e)
{
    spd_qm *q;
    size_t nq;
    if (derive(m, &q, &nq) != 0)
        return sim_oom(e);
    const spd_qm *hit = find_filter(q, nq, name_or_guid, e);
    if (!hit) {
        free(q);
        return -1;
    }
    bool plumbed = hit->plumbed;
    sim_policy *owner = sim_policy_by_guid(m, hit->owner->guid);
    char key[400];
    filter_key(hit->owner, key);
    free(q);
    if (plumbed)
        return sim_strlist_push(&m->spd_filters_deleted, key) == 0 ? 0 : sim_oom(e);
    if (owner)
        owner->blockers &= ~(unsigned)SIM_B_ORPHAN_FILTER;
    return 0;
}

static void forget_spd_blockers(sim_machine *m)
{
    for (size_t i = 0; i < m->npol; i++) {
        sim_policy *p = m->pol[i];
        p->blockers &= ~(unsigned)(SIM_B_SPD_QM | SIM_B_ORPHAN_FILTER);
        if (p->sa_count == 0)
            p->blockers &= ~(unsigned)SIM_B_SPD_SAS;
    }
}

/* A start rebuilds the SPD from the store: nothing half-deleted is carried over. */
void sim_spd_agent_started(sim_machine *m)
{
    sim_strlist_free(&m->spd_deleted);
    sim_strlist_free(&m->spd_filters_deleted);
    forget_spd_blockers(m);
}

/* The SPD lives in the agent's memory: its SAs go with it, except the assigned policy's,
 * which the agent plumbs again at its start and IKE renegotiates. */
void sim_spd_agent_stopped(sim_machine *m)
{
    sim_strlist_free(&m->spd_deleted);
    sim_strlist_free(&m->spd_filters_deleted);
    for (size_t i = 0; i < m->npol; i++)
        if (!(m->pol[i]->in_store && sim_policy_assigned(m, m->pol[i])))
            m->pol[i]->sa_count = 0;
    forget_spd_blockers(m);
}
