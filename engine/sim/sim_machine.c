/* The simulated machine's records and indexes: policies, services, processes, handles, NICs. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_oom(mend_err *e)
{
    return mend_err_set(e, MEND_E_IO, 0, "the simulator ran out of memory");
}

sim_machine *sim_machine_new(void)
{
    sim_machine *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    sim_map_init(&m->pol_by_guid, true);
    sim_map_init(&m->pol_by_name, false);
    sim_map_init(&m->svc_by_name, true);
    sim_map_init(&m->proc_by_pid, false);
    sim_map_init(&m->window, false);
    sim_map_init(&m->graph_done, true);
    sim_map_init(&m->key_holders, true);
    m->clock = 1767225600.0;   /* 2026-01-01T00:00:00Z: a fixed start keeps runs deterministic */
    m->delete_window = 4.0;
    m->admin = true;
    m->boot_count = 1;
    m->next_pid = 1000;
    m->guid_rng = SIM_GUID_SEED;
    return m;
}

static void free_value(const char *key, void *value, void *ud)
{
    (void)key;
    (void)ud;
    free(value);
}

static void free_pids(const char *key, void *value, void *ud)
{
    (void)key;
    (void)ud;
    sim_pids *l = value;
    free(l->pid);
    free(l);
}

static void free_window(sim_machine *m)
{
    sim_map_each(&m->window, free_value, NULL);
    sim_map_free(&m->window);
    sim_map_free(&m->graph_done);
}

void sim_machine_free(sim_machine *m)
{
    if (!m)
        return;
    for (int r = 0; r < SIM_ROOT_N; r++)
        sim_reg_free_tree(m->roots[r]);
    for (size_t i = 0; i < m->npol; i++) {
        free(m->pol[i]->name);
        free(m->pol[i]->description);
        free(m->pol[i]->filter_list);
        free(m->pol[i]->filter_action);
        free(m->pol[i]->gpo);
        free(m->pol[i]);
    }
    free(m->pol);
    sim_map_free(&m->pol_by_guid);
    sim_map_free(&m->pol_by_name);
    for (size_t i = 0; i < m->nsvc; i++) {
        sim_service *s = m->svc[i];
        free(s->name);
        free(s->display_name);
        for (size_t j = 0; j < s->ndeps; j++)
            free(s->depends_on[j]);
        free(s->depends_on);
        free(s);
    }
    free(m->svc);
    sim_map_free(&m->svc_by_name);
    for (size_t i = 0; i < m->nproc; i++) {
        free(m->proc[i]->name);
        free(m->proc[i]->path);
        free(m->proc[i]);
    }
    free(m->proc);
    sim_map_free(&m->proc_by_pid);
    for (size_t i = 0; i < m->nhnd; i++) {
        free(m->hnd[i].type);
        free(m->hnd[i].name);
    }
    free(m->hnd);
    sim_map_each(&m->key_holders, free_pids, NULL);
    sim_map_free(&m->key_holders);
    for (size_t i = 0; i < m->nnic; i++) {
        free(m->nic[i].name);
        free(m->nic[i].description);
    }
    free(m->nic);
    free_window(m);
    free(m->os);
    sim_strlist_free(&m->ignore_stop);
    sim_strlist_free(&m->access_denied);
    sim_strlist_free(&m->unkillable);
    sim_strlist_free(&m->spd_deleted);
    sim_strlist_free(&m->spd_filters_deleted);
    sim_events_free(m);
    free(m);
}

/* ---- policies ---- */

static void index_name(sim_machine *m, sim_policy *p)
{
    if (sim_map_get(&m->pol_by_name, p->name))
        m->name_clash = true;   /* keep the first; a store re-read sorts it out */
    else
        sim_map_put(&m->pol_by_name, p->name, p);
}

int sim_policy_add(sim_machine *m, sim_policy *p)
{
    if (m->npol == m->cappol) {
        size_t cap = m->cappol ? m->cappol * 2 : 64;
        sim_policy **a = realloc(m->pol, cap * sizeof *a);
        if (!a)
            return -1;
        m->pol = a;
        m->cappol = cap;
    }
    if (sim_map_put(&m->pol_by_guid, p->guid, p) != 0)
        return -1;
    p->slot = m->npol;
    m->pol[m->npol++] = p;
    index_name(m, p);
    return 0;
}

void sim_policy_remove(sim_machine *m, sim_policy *p)
{
    sim_map_del(&m->pol_by_guid, p->guid, p);
    if (sim_map_get(&m->pol_by_name, p->name) == p) {
        sim_map_del(&m->pol_by_name, p->name, p);
        if (m->name_clash)
            m->store_dirty = true;   /* another record may carry the same name */
    }
    m->pol[p->slot] = m->pol[--m->npol];
    m->pol[p->slot]->slot = p->slot;
    free(p->name);
    free(p->description);
    free(p->filter_list);
    free(p->gpo);
    free(p->filter_action);
    free(p);
}

sim_policy *sim_policy_by_name(sim_machine *m, const char *name)
{
    sim_store_sync(m);
    return sim_map_get(&m->pol_by_name, name);
}

sim_policy *sim_policy_by_guid(const sim_machine *m, const char *guid)
{
    return sim_map_get(&m->pol_by_guid, guid);
}

/* ---- services ---- */

sim_service *sim_service_find(const sim_machine *m, const char *name)
{
    return sim_map_get(&m->svc_by_name, name);
}

sim_service *sim_service_add(sim_machine *m, const char *name)
{
    sim_service *s = sim_service_find(m, name);
    if (s)
        return s;
    sim_service **a = realloc(m->svc, (m->nsvc + 1) * sizeof *a);
    if (!a)
        return NULL;
    m->svc = a;
    s = calloc(1, sizeof *s);
    if (!s || !(s->name = mend_strdup(name)) || !(s->display_name = mend_strdup(name))) {
        if (s)
            free(s->name);
        free(s);
        return NULL;
    }
    s->state = MEND_SVC_STOPPED;
    s->start_type = MEND_START_DEMAND;
    if (sim_map_put(&m->svc_by_name, s->name, s) != 0) {
        free(s->name);
        free(s->display_name);
        free(s);
        return NULL;
    }
    m->svc[m->nsvc++] = s;
    return s;
}

/* ---- processes and handles ---- */

static void pid_key(uint32_t pid, char buf[16])
{
    snprintf(buf, 16, "%u", (unsigned)pid);
}

sim_process *sim_process_find(const sim_machine *m, uint32_t pid)
{
    char k[16];
    pid_key(pid, k);
    return sim_map_get(&m->proc_by_pid, k);
}

sim_process *sim_process_add(sim_machine *m, uint32_t pid, const char *name)
{
    char k[16];
    pid_key(pid, k);
    sim_process **a = realloc(m->proc, (m->nproc + 1) * sizeof *a);
    if (!a)
        return NULL;
    m->proc = a;
    sim_process *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->pid = pid;
    p->name = mend_strdup(name);
    p->path = mend_strdup("");
    p->autostart = true;
    p->alive = true;
    p->ipsec_client = sim_is_ipsec_client_name(name);
    p->next_handle = 4;
    if (!p->name || !p->path || sim_map_put(&m->proc_by_pid, k, p) != 0) {
        free(p->name);
        free(p->path);
        free(p);
        return NULL;
    }
    m->proc[m->nproc++] = p;
    if (pid >= m->next_pid)
        m->next_pid = (pid + 4) & ~3u;
    return p;
}

void sim_process_remove(sim_machine *m, sim_process *p)
{
    for (size_t i = m->nhnd; i-- > 0;)
        if (m->hnd[i].pid == p->pid)
            sim_handle_remove_at(m, i);
    char k[16];
    pid_key(p->pid, k);
    sim_map_del(&m->proc_by_pid, k, p);
    for (size_t i = 0; i < m->nproc; i++)
        if (m->proc[i] == p) {
            memmove(&m->proc[i], &m->proc[i + 1], (m->nproc - i - 1) * sizeof *m->proc);
            m->nproc--;
            break;
        }
    free(p->name);
    free(p->path);
    free(p);
}

const sim_pids *sim_key_holders(const sim_machine *m, const char *name)
{
    return sim_map_get(&m->key_holders, name);
}

static int key_holder_add(sim_machine *m, const sim_handle *h)
{
    if (sim_strcasecmp(h->type, "Key") != 0)
        return 0;
    sim_pids *l = sim_map_get(&m->key_holders, h->name);
    if (!l) {
        if (!(l = calloc(1, sizeof *l)))
            return -1;
        if (sim_map_put(&m->key_holders, h->name, l) != 0) {
            free(l);
            return -1;
        }
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 2;
        uint32_t *a = realloc(l->pid, cap * sizeof *a);
        if (!a)
            return -1;
        l->pid = a;
        l->cap = cap;
    }
    l->pid[l->n++] = h->pid;
    return 0;
}

static void key_holder_del(sim_machine *m, const sim_handle *h)
{
    if (sim_strcasecmp(h->type, "Key") != 0)
        return;
    sim_pids *l = sim_map_get(&m->key_holders, h->name);
    for (size_t i = 0; l && i < l->n; i++)
        if (l->pid[i] == h->pid) {
            l->pid[i] = l->pid[--l->n];
            return;
        }
}

sim_handle *sim_handle_add(sim_machine *m, sim_process *p, const char *type, const char *name,
                           uint32_t access)
{
    if (m->nhnd == m->caphnd) {
        size_t cap = m->caphnd ? m->caphnd * 2 : 16;
        sim_handle *a = realloc(m->hnd, cap * sizeof *a);
        if (!a)
            return NULL;
        m->hnd = a;
        m->caphnd = cap;
    }
    sim_handle *h = &m->hnd[m->nhnd];
    h->pid = p->pid;
    h->value = p->next_handle;
    h->type = mend_strdup(type);
    h->name = mend_strdup(name);
    h->access = access;
    if (!h->type || !h->name || key_holder_add(m, h) != 0) {
        free(h->type);
        free(h->name);
        return NULL;
    }
    p->next_handle += 4;
    m->nhnd++;
    return h;
}

void sim_handle_remove_at(sim_machine *m, size_t i)
{
    key_holder_del(m, &m->hnd[i]);
    free(m->hnd[i].type);
    free(m->hnd[i].name);
    memmove(&m->hnd[i], &m->hnd[i + 1], (m->nhnd - i - 1) * sizeof *m->hnd);
    m->nhnd--;
}

int sim_handle_set_pid(sim_machine *m, size_t i, uint32_t pid)
{
    key_holder_del(m, &m->hnd[i]);
    m->hnd[i].pid = pid;
    return key_holder_add(m, &m->hnd[i]);
}

uint32_t sim_alloc_pid(sim_machine *m)
{
    while (sim_process_find(m, m->next_pid))
        m->next_pid += 4;
    uint32_t pid = m->next_pid;
    m->next_pid += 4;
    return pid;
}

bool sim_process_is_critical(const sim_process *p)
{
    return p->critical || mend_process_is_critical_name(p->pid, p->name);
}

bool sim_is_ipsec_client_name(const char *name)
{
    /* The clients scripts/handle_check.lua knows by default: the simulated machine runs the
     * same products, so a scenario holder with one of these names behaves as the article says. */
    static const char *const names[] = {
        "vpnagent.exe", "vpnui.exe", "csc_ui.exe", "PanGPS.exe", "PanGPA.exe", "FortiClient.exe",
        "FortiSSLVPNdaemon.exe", "FortiTray.exe", "TracSrvWrapper.exe", "TrGUI.exe", "openvpn.exe",
        "openvpnserv.exe", "openvpn-gui.exe", "wireguard.exe", "ZSATunnel.exe", "ZSAService.exe",
        "dsAccessService.exe", "Pulse.exe", "SWGVC.exe", "nordvpn.exe", "nordvpn-service.exe",
        "expressvpn.exe", "expressvpnservice.exe", "vpngui.exe", "ipsecd.exe", "ncpclient.exe",
        "ncprwsnt.exe", "TgbStarter.exe", "vpnclient.exe", "cvpnd.exe", "acumbrellaagent.exe",
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (sim_strcasecmp(name, names[i]) == 0)
            return true;
    return false;
}

bool sim_holder_blocks(const sim_process *p)
{
    /* Windows' own critical processes hold the store as part of the system; a client the
     * scenario marks critical (its service restarts the computer on failure) still blocks. */
    return p->alive && p->ipsec_client && !mend_process_is_critical_name(p->pid, p->name);
}

/* ---- NICs ---- */

sim_nic *sim_nic_find(const sim_machine *m, const char *name)
{
    for (size_t i = 0; i < m->nnic; i++)
        if (sim_strcasecmp(m->nic[i].name, name) == 0)
            return &m->nic[i];
    return NULL;
}

/* ---- string lists ---- */

bool sim_strlist_has(const sim_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (sim_strcasecmp(l->v[i], s) == 0)
            return true;
    return false;
}

int sim_strlist_push(sim_strlist *l, const char *s)
{
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    l->v = v;
    if (!(v[l->n] = mend_strdup(s)))
        return -1;
    l->n++;
    return 0;
}

void sim_strlist_free(sim_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}
