/* Network adapters: their NDIS IPsec offload keywords, adapter restarts, and the record that restores them. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const sim_nic_keywords[SIM_NIC_NKW] = {
    "*IPsecOffloadV1IPv4", "*IPsecOffloadV2", "*IPsecOffloadV2IPv4",
};

/* The simulated drivers' Ndi\Params\<keyword>\default: 3, AH and ESP offloaded. */
#define SIM_NIC_NDI_DEFAULT 3

bool sim_nic_configured_on(const sim_nic *nic)
{
    for (int i = 0; i < SIM_NIC_NKW; i++)
        if (nic->kw[i] > 0)
            return true;
    return false;
}

void sim_nic_set_all(sim_nic *nic, int value)
{
    for (int i = 0; i < SIM_NIC_NKW; i++)
        nic->kw[i] = value;
}

bool sim_any_nic_offloads(const sim_machine *m)
{
    for (size_t i = 0; i < m->nnic; i++)
        if (m->nic[i].offload)
            return true;
    return false;
}

void sim_nics_boot(sim_machine *m)
{
    for (size_t i = 0; i < m->nnic; i++)
        m->nic[i].offload = sim_nic_configured_on(&m->nic[i]);
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
        /* What Windows' registry says, as on the real host: a change waiting for a restart shows. */
        a[i].ipsec_offload = sim_nic_configured_on(&m->nic[i]);
        if (!a[i].name || !a[i].description) {
            mend_nic_free_list(a, i + 1);
            return sim_oom(e);
        }
    }
    *out = a;
    *n = m->nnic;
    return 0;
}

static sim_nic *find(sim_machine *m, const char *name, mend_err *e)
{
    sim_nic *nic = sim_nic_find(m, name);
    if (!nic)
        mend_err_set(e, MEND_E_NOT_FOUND, 0, "No network adapter is named '%.200s'.", name);
    return nic;
}

/* HKLM\SOFTWARE\mend\NicOffload\{instance}: keyed like Windows' NetCfgInstanceId, derived from the name. */
static void record_path(const sim_nic *nic, char *buf, size_t size)
{
    char id[SIM_GUID_LEN + 1];
    sim_guid_from_name(nic->name, 0x4e4943u, id);
    snprintf(buf, size, "%s\\%s", SIM_NIC_RECORD_ROOT, id);
}

/* Keeps what "off" replaces: a keyword's value, or REG_NONE for one that was absent. */
static int record(sim_machine *m, const sim_nic *nic, mend_err *e)
{
    char path[160];
    record_path(nic, path, sizeof path);
    sim_regkey *old = sim_reg_find(m, path);
    if (old)
        sim_reg_unlink(old);
    sim_regkey *k = sim_reg_create(m, path);
    int rc = k ? sim_reg_put_sz(k, "Adapter", nic->name) : -1;
    for (int i = 0; rc == 0 && i < SIM_NIC_NKW; i++) {
        char v[8];
        snprintf(v, sizeof v, "%d", nic->kw[i]);
        rc = nic->kw[i] < 0 ? sim_reg_put(k, sim_nic_keywords[i], MEND_REG_NONE, "", 0)
                            : sim_reg_put_sz(k, sim_nic_keywords[i], v);
    }
    return rc ? sim_oom(e) : 0;
}

/* Puts back what the record holds and drops it; false when there is none. */
static bool restore(sim_machine *m, sim_nic *nic)
{
    char path[160];
    record_path(nic, path, sizeof path);
    sim_regkey *k = sim_reg_find(m, path);
    if (!k)
        return false;
    for (int i = 0; i < SIM_NIC_NKW; i++) {
        const sim_regval *v = sim_reg_value(k, sim_nic_keywords[i]);
        if (!v)
            continue;
        if (v->type == MEND_REG_NONE) {
            nic->kw[i] = -1;
        } else if (v->type == MEND_REG_SZ) {
            long x = strtol((const char *)v->data, NULL, 10);
            nic->kw[i] = x >= 0 && x <= 3 ? (int)x : SIM_NIC_NDI_DEFAULT;
        }
    }
    sim_reg_unlink(k);
    return true;
}

int sim_nic_set_offload(void *ctx, const char *name, bool on, mend_err *e)
{
    sim_machine *m = ctx;
    sim_nic *nic = find(m, name, e);
    if (!nic)
        return -1;
    bool any = false;
    for (int i = 0; i < SIM_NIC_NKW; i++)
        any |= nic->kw[i] >= 0;
    if (!any)
        return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "Network adapter '%.200s' has no IPsec task offload setting.",
                            name);
    if (!on) {
        /* Already off: the record of what it was before stays (a second "off" must not lose it). */
        if (sim_nic_configured_on(nic) && record(m, nic, e) != 0)
            return -1;
        for (int i = 0; i < SIM_NIC_NKW; i++)
            if (nic->kw[i] > 0)
                nic->kw[i] = 0;
        return 0;
    }
    if (restore(m, nic))
        return 0;
    for (int i = 0; i < SIM_NIC_NKW; i++)
        if (nic->kw[i] >= 0)
            nic->kw[i] = SIM_NIC_NDI_DEFAULT;
    return 0;
}

int sim_nic_restart(void *ctx, const char *name, mend_err *e)
{
    sim_machine *m = ctx;
    sim_nic *nic = find(m, name, e);
    if (!nic)
        return -1;
    /* NDIS reads the keywords when the miniport starts: only now does a change take effect. */
    nic->offload = sim_nic_configured_on(nic);
    return 0;
}
