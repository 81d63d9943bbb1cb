/* Network adapters and their IPsec task offload switch. */
#include "sim_internal.h"

#include <stdlib.h>

bool sim_any_nic_offloads(const sim_machine *m)
{
    for (size_t i = 0; i < m->nnic; i++)
        if (m->nic[i].offload)
            return true;
    return false;
}

int sim_nic_list(void *ctx, mend_nic **out, size_t *n, mend_err *e)
{
    sim_machine *m = ctx;
    *out = NULL;
    *n = 0;
    mend_nic *a = calloc(m->nnic + 1, sizeof *a);
    if (!a)
        return sim_oom(e);
    for (size_t i = 0; i < m->nnic; i++) {
        a[i].name = mend_strdup(m->nic[i].name);
        a[i].description = mend_strdup(m->nic[i].description);
        a[i].ipsec_offload = m->nic[i].offload;
        if (!a[i].name || !a[i].description) {
            mend_nic_free_list(a, i + 1);
            return sim_oom(e);
        }
    }
    *out = a;
    *n = m->nnic;
    return 0;
}

int sim_nic_set_offload(void *ctx, const char *name, bool on, mend_err *e)
{
    sim_machine *m = ctx;
    sim_nic *nic = sim_nic_find(m, name);
    if (!nic)
        return mend_err_set(e, MEND_E_NOT_FOUND, 0, "No network adapter is named '%.200s'.", name);
    nic->offload = on;
    return 0;
}
