/* IPsec policy operations with the article's rules: blockers, pending names, the delete window. */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

static int not_found(mend_err *e)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND, NULL);
}

static int pending(mend_err *e)
{
    return mend_err_set(e, MEND_E_PENDING_DELETION, MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION, NULL);
}

static int in_use(mend_err *e)
{
    return mend_err_set(e, MEND_E_IN_USE, MEND_WIN_IPSEC_QM_POLICY_IN_USE, NULL);
}

static int fill(const sim_policy *p, const char *active, mend_policy *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    out->name = mend_strdup(p->name);
    out->guid = mend_strdup(p->guid);
    out->description = mend_strdup(p->description);
    out->store_key = sim_policy_key_path(p);
    out->gpo = p->gpo ? mend_strdup(p->gpo) : NULL;
    out->gpo_assigned = p->gpo && p->gpo_assigned;
    if (!out->name || !out->guid || !out->description || !out->store_key || (p->gpo && !out->gpo)) {
        mend_policy_clear(out);
        return sim_oom(e);
    }
    out->state = p->state;
    out->assigned = active[0] && strcmp(active, p->guid) == 0;
    out->sa_count = p->sa_count;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(sim_policy *const *)a)->name, (*(sim_policy *const *)b)->name);
}

int sim_ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e)
{
    sim_machine *m = ctx;
    *out = NULL;
    *n = 0;
    sim_store_sync(m);
    char active[SIM_GUID_LEN + 1];
    sim_store_active_guid(m, active);
    sim_policy **sorted = malloc((m->npol + 1) * sizeof *sorted);
    mend_policy *a = calloc(m->npol + 1, sizeof *a);
    if (!sorted || !a) {
        free(sorted);
        free(a);
        return sim_oom(e);
    }
    if (m->npol)
        memcpy(sorted, m->pol, m->npol * sizeof *sorted);
    qsort(sorted, m->npol, sizeof *sorted, by_name);
    for (size_t i = 0; i < m->npol; i++)
        if (fill(sorted[i], active, &a[i], e) != 0) {
            free(sorted);
            mend_policy_free_list(a, i);
            return -1;
        }
    free(sorted);
    *out = a;
    *n = m->npol;
    return 0;
}

int sim_ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e)
{
    sim_machine *m = ctx;
    memset(out, 0, sizeof *out);
    sim_policy *p = sim_policy_by_name(m, name);
    if (!p)
        return not_found(e);
    char active[SIM_GUID_LEN + 1];
    sim_store_active_guid(m, active);
    return fill(p, active, out, e);
}

int sim_ipsec_delete(void *ctx, const char *name, mend_err *e)
{
    sim_machine *m = ctx;
    sim_policy *p = sim_policy_by_name(m, name);
    if (!p)
        return not_found(e);
    if (p->gpo)
        return mend_policy_gpo_refused(e, p->name, p->gpo);
    if (sim_policy_assigned(m, p) || sim_policy_held(m, p))
        return in_use(e);
    /* The offloading NIC keeps its SAs until the agent restarts with offload off. */
    if (p->blockers & (SIM_B_NIC_OFFLOAD | SIM_B_DRIVER_STATE))
        return in_use(e);
    /* The SPD answers for the store: its quick-mode policy cannot go while SAs reference it, or
     * while a half-deleted copy or an orphaned filter lingers there. */
    if (((p->blockers & SIM_B_SPD_SAS) && p->sa_count > 0) || (p->blockers & (SIM_B_SPD_QM | SIM_B_ORPHAN_FILTER)))
        return pending(e);
    if ((p->blockers & SIM_B_STORE_CORRUPT) && p->in_store)
        return mend_err_set(e, MEND_E_IO, MEND_WIN_FILE_CORRUPT, NULL);
    if (!p->in_store)
        return not_found(e);   /* stale_memory: the table still lists what the store lost */
    if (p->blockers & SIM_B_GPO_CACHE) {
        /* Accepted, but group policy re-applies it from its cache until a forced refresh. */
        p->delete_accepted = true;
        p->state = MEND_POLICY_PENDING_DELETION;
        return 0;
    }
    sim_policy_purge(m, p, true);
    return 0;
}

int sim_ipsec_assign(void *ctx, const char *name, bool on, mend_err *e)
{
    sim_machine *m = ctx;
    sim_policy *p = sim_policy_by_name(m, name);
    if (!p)
        return not_found(e);
    if (p->gpo)
        return mend_policy_gpo_refused(e, p->name, p->gpo);
    if (!on) {
        /* Unassigning a pending policy is the article's own remedy, so it is allowed. */
        if (sim_policy_assigned(m, p) && sim_store_set_active(m, NULL) != 0)
            return sim_oom(e);
        return 0;
    }
    if (p->state == MEND_POLICY_PENDING_DELETION)
        return pending(e);
    if (!p->in_store)
        return not_found(e);
    if (sim_store_set_active(m, p) != 0)
        return mend_err_set(e, MEND_E_IO, MEND_WIN_PATH_NOT_FOUND, NULL);
    return 0;
}

int sim_ipsec_create(void *ctx, const char *name, const char *description, mend_err *e)
{
    sim_machine *m = ctx;
    if (!name || !*name)
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER,
                            "A policy needs a non-empty name.");
    sim_policy *p = sim_policy_by_name(m, name);
    if (sim_in_window(m, name) || (p && p->state == MEND_POLICY_PENDING_DELETION))
        return pending(e);
    if (p)
        return mend_err_set(e, MEND_E_EXISTS, MEND_WIN_IPSEC_QM_POLICY_EXISTS, NULL);
    if (!sim_store_local(m))
        return mend_err_set(e, MEND_E_IO, MEND_WIN_PATH_NOT_FOUND, NULL);
    p = calloc(1, sizeof *p);
    if (!p)
        return sim_oom(e);
    /* Windows gives every created policy a fresh random GUID (CoCreateGuid), never its old one. */
    do
        sim_guid_next(m, p->guid);
    while (sim_policy_by_guid(m, p->guid) || sim_store_key(m, p));
    p->name = mend_strdup(name);
    p->description = mend_strdup(description);
    p->state = MEND_POLICY_ACTIVE;
    p->in_store = true;
    p->in_table = sim_agent_alive(m);
    if (!p->name || !p->description || sim_store_write_policy(m, p, m->clock) != 0 ||
        sim_policy_add(m, p) != 0) {
        sim_regkey *k = sim_store_key(m, p);
        if (k)
            sim_reg_unlink(k);
        free(p->name);
        free(p->description);
        free(p);
        return sim_oom(e);
    }
    return 0;
}
