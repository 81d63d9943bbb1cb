/* The IPsec policy store in the simulated registry, and the Policy Agent's table built from it. */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_PREFIX "ipsecPolicy"
#define KEY_PREFIX_LEN 11

static uint64_t fnv64(const char *s, uint64_t basis, unsigned salt)
{
    uint64_t h = basis ^ ((uint64_t)salt * 0x9E3779B97F4A7C15ull);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
}

void sim_guid_from_name(const char *name, unsigned salt, char out[SIM_GUID_LEN + 1])
{
    uint64_t a = fnv64(name, 14695981039346656037ull, salt);
    uint64_t b = fnv64(name, 0x84222325CBF29CE4ull, salt + 7919u);
    snprintf(out, SIM_GUID_LEN + 1, "{%08x-%04x-%04x-%04x-%012llx}", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xFFFF), (unsigned)(0x5000 | (a & 0x0FFF)),
             (unsigned)(0x8000 | ((b >> 48) & 0x3FFF)),
             (unsigned long long)(b & 0xFFFFFFFFFFFFull));
}

bool sim_guid_valid(const char *s)
{
    if (strlen(s) != SIM_GUID_LEN || s[0] != '{' || s[SIM_GUID_LEN - 1] != '}')
        return false;
    for (int i = 1; i < SIM_GUID_LEN - 1; i++) {
        char c = s[i];
        bool dash = i == 9 || i == 14 || i == 19 || i == 24;
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

void sim_guid_lower(char *g)
{
    for (; *g; g++)
        *g = (char)mend_ascii_lower((unsigned char)*g);
}

/* root\ipsecPolicy{GUID} in a new string, put together by hand: every ipsec.get and delete
 * asks for one, and snprintf was a tenth of their cost. */
static char *policy_path(const char *root, size_t rlen, const sim_policy *p)
{
    char *s = malloc(rlen + 1 + KEY_PREFIX_LEN + SIM_GUID_LEN + 1);
    if (s) {
        memcpy(s, root, rlen);
        s[rlen] = '\\';
        memcpy(s + rlen + 1, KEY_PREFIX, KEY_PREFIX_LEN);
        memcpy(s + rlen + 1 + KEY_PREFIX_LEN, p->guid, SIM_GUID_LEN + 1);
    }
    return s;
}

char *sim_policy_key_path(const sim_policy *p)
{
    if (p->gpo)
        return policy_path(MEND_IPSEC_GPO_CACHE, sizeof MEND_IPSEC_GPO_CACHE - 1, p);
    return policy_path(MEND_IPSEC_STORE_ROOT, sizeof MEND_IPSEC_STORE_ROOT - 1, p);
}

char *sim_policy_nt_name(const sim_policy *p)
{
    return policy_path(SIM_NT_STORE_ROOT, sizeof SIM_NT_STORE_ROOT - 1, p);
}

/* The policy's key name under the store, ipsecPolicy{GUID}. */
static void key_name(const sim_policy *p, char out[KEY_PREFIX_LEN + SIM_GUID_LEN + 1])
{
    memcpy(out, KEY_PREFIX, KEY_PREFIX_LEN);
    memcpy(out + KEY_PREFIX_LEN, p->guid, SIM_GUID_LEN + 1);
}

sim_regkey *sim_store_local(const sim_machine *m)
{
    return sim_reg_find(m, MEND_IPSEC_STORE_ROOT);
}

sim_regkey *sim_store_cache(const sim_machine *m)
{
    return sim_reg_find(m, MEND_IPSEC_GPO_CACHE);
}

sim_regkey *sim_store_key(const sim_machine *m, const sim_policy *p)
{
    sim_regkey *local = p->gpo ? sim_store_cache(m) : sim_store_local(m);
    char name[KEY_PREFIX_LEN + SIM_GUID_LEN + 1];
    key_name(p, name);
    return local ? sim_reg_child(local, name) : NULL;
}

/* A small, fixed ipsecData blob: Windows' is an opaque serialised policy; tools only copy it. */
static const unsigned char ipsec_data[] = {
    0x63, 0x21, 0x20, 0x22, 0x4c, 0x4f, 0xd1, 0x11, 0x86, 0x3b, 0x00, 0xa0, 0x24, 0x8d, 0x30, 0x21,
    0x04, 0x00, 0x00, 0x00, 0xb4, 0x00, 0x00, 0x00, 0x00,
};

static int fill_key(sim_regkey *k, const sim_policy *p, double when)
{
    char isakmp[256], nfa[256], name[KEY_PREFIX_LEN + SIM_GUID_LEN + 1];
    unsigned char type[4] = { 0x00, 0x01, 0x00, 0x00 }, changed[4];
    uint32_t t = sim_time32(when);
    for (int i = 0; i < 4; i++)
        changed[i] = (unsigned char)(t >> (8 * i));
    sim_store_graph_isakmp_ref(p, isakmp, sizeof isakmp);
    sim_store_graph_nfa_ref(p, nfa, sizeof nfa);
    snprintf(name, sizeof name, KEY_PREFIX "%s", p->guid);
    const sim_regput v[] = {
        { "ClassName", MEND_REG_SZ, "ipsecPolicy", 11 },
        { "description", MEND_REG_SZ, p->description, strlen(p->description) },
        { "ipsecData", MEND_REG_BINARY, ipsec_data, sizeof ipsec_data },
        { "ipsecDataType", MEND_REG_DWORD, type, 4 },   /* 0x100 */
        { "ipsecID", MEND_REG_SZ, p->guid, strlen(p->guid) },
        { "ipsecISAKMPReference", MEND_REG_SZ, isakmp, strlen(isakmp) },
        { "ipsecName", MEND_REG_SZ, p->name, strlen(p->name) },
        { "ipsecNFAReference", MEND_REG_MULTI_SZ, nfa, strlen(nfa) + 1 },
        { "name", MEND_REG_SZ, name, strlen(name) },
        { "whenChanged", MEND_REG_DWORD, changed, 4 },
    };
    return sim_reg_put_all(k, v, sizeof v / sizeof v[0]);
}

/* Group Policy writes the assigned directory policy's copy under ...\Policy\Cache and names it
 * in GPTIPSECPolicy; the GPO's own objects are not modelled beyond the policy key. */
static int write_gpo_policy(sim_machine *m, const sim_policy *p, double when)
{
    char name[KEY_PREFIX_LEN + SIM_GUID_LEN + 1], path[256];
    snprintf(name, sizeof name, KEY_PREFIX "%s", p->guid);
    sim_regkey *cache = sim_reg_create(m, MEND_IPSEC_GPO_CACHE);
    sim_regkey *k = cache ? sim_reg_add_child(cache, name) : NULL;
    if (!k || fill_key(k, p, when) != 0)
        return -1;
    if (!p->gpo_assigned)
        return 0;
    sim_regkey *gpt = sim_reg_create(m, MEND_IPSEC_GPT_KEY);
    snprintf(path, sizeof path, "LDAP://CN=%s,CN=IP Security,CN=System,DC=corp,DC=example", name);
    int rc = !gpt || sim_reg_put_sz(gpt, "DSIPSECPolicyPath", path) ||
             sim_reg_put_sz(gpt, "DSIPSECPolicyName", p->name) ||
             sim_reg_put_sz(gpt, "DSIPSECPolicyDescription", p->description) ||
             sim_reg_put_sz(gpt, "GPOName", p->gpo);
    return rc ? -1 : 0;
}

int sim_store_write_policy(sim_machine *m, const sim_policy *p, double when)
{
    if (p->gpo)
        return write_gpo_policy(m, p, when);
    sim_regkey *local = sim_store_local(m);
    char name[KEY_PREFIX_LEN + SIM_GUID_LEN + 1];
    snprintf(name, sizeof name, KEY_PREFIX "%s", p->guid);
    sim_regkey *k = local ? sim_reg_add_child(local, name) : NULL;
    return k && fill_key(k, p, when) == 0 ? sim_store_graph_add(m, p) : -1;
}

/* True when one path is the other's ancestor (or equal), component-wise and case-insensitive. */
static bool related(const char *path, const char *s)
{
    const char *rest;
    if (sim_reg_root(path, &rest) != SIM_ROOT_HKLM)
        return false;
    for (;;) {
        while (*rest == '\\')
            rest++;
        if (!*rest || !*s)
            return true;
        size_t a = strcspn(rest, "\\"), b = strcspn(s, "\\");
        if (a != b || mend_ascii_ncasecmp(rest, s, a) != 0)
            return false;
        rest += a;
        s += b;
        if (*s == '\\')
            s++;
    }
}

bool sim_store_related(const char *path)
{
    return related(path, SIM_STORE_SUBPATH);
}

bool sim_store_area_related(const char *path)
{
    /* The local store, the GPO cache and GPTIPSECPolicy all sit under it. */
    return related(path, "SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec");
}

static bool guid_of_keyname(const char *keyname, char out[SIM_GUID_LEN + 1])
{
    if (mend_ascii_ncasecmp(keyname, KEY_PREFIX, KEY_PREFIX_LEN) != 0 || !sim_guid_valid(keyname + KEY_PREFIX_LEN))
        return false;
    memcpy(out, keyname + KEY_PREFIX_LEN, SIM_GUID_LEN + 1);
    sim_guid_lower(out);
    return true;
}

/* What a change at path means for the table: 0 none (a key below the local store that is not a
 * policy's: sync reads only policy keys), 1 one policy's key (its GUID in out), -1 re-read all. */
static int store_change_of_path(const char *path, char out[SIM_GUID_LEN + 1])
{
    const char *rest;
    if (sim_reg_root(path, &rest) != SIM_ROOT_HKLM)
        return -1;
    size_t n = strlen(SIM_STORE_SUBPATH);
    while (*rest == '\\')
        rest++;
    if (mend_ascii_ncasecmp(rest, SIM_STORE_SUBPATH, n) != 0 || rest[n] != '\\')
        return -1;
    rest += n;
    while (*rest == '\\')
        rest++;
    char comp[KEY_PREFIX_LEN + SIM_GUID_LEN + 1];
    size_t c = strcspn(rest, "\\");
    if (c == 0)
        return -1;
    if (c != sizeof comp - 1)
        return mend_ascii_ncasecmp(rest, KEY_PREFIX, KEY_PREFIX_LEN) == 0 ? -1 : 0;
    memcpy(comp, rest, c);
    comp[c] = '\0';
    if (guid_of_keyname(comp, out))
        return 1;
    return mend_ascii_ncasecmp(rest, KEY_PREFIX, KEY_PREFIX_LEN) == 0 ? -1 : 0;
}

void sim_store_touch(sim_machine *m, const char *path)
{
    /* A change to Group Policy's cache (a GPO policy's key removed by hand) is a store change too. */
    if (!related(path, SIM_STORE_SUBPATH) && !related(path, SIM_CACHE_SUBPATH))
        return;
    m->active_known = false;
    /* One policy's key (the registry rung's delete): re-read just that one, so a run that removes
     * thousands of keys does not re-read the whole store after each. */
    char guid[SIM_GUID_LEN + 1];
    int what = store_change_of_path(path, guid);
    if (what == 0 || m->store_dirty)
        return;
    if (what == 1 && m->ndirty < sizeof m->dirty_guid / sizeof m->dirty_guid[0]) {
        for (size_t i = 0; i < m->ndirty; i++)
            if (strcmp(m->dirty_guid[i], guid) == 0)
                return;
        memcpy(m->dirty_guid[m->ndirty++], guid, sizeof guid);
        return;
    }
    m->store_dirty = true;
}

static void reindex_names(sim_machine *m)
{
    sim_map_free(&m->pol_by_name);
    sim_map_init(&m->pol_by_name, false);
    m->name_clash = false;
    for (size_t i = 0; i < m->npol; i++) {
        sim_policy *p = m->pol[i];
        if (sim_map_get(&m->pol_by_name, p->name))
            m->name_clash = true;
        else
            sim_map_put(&m->pol_by_name, p->name, p);
    }
}

static void set_str(char **dst, const char *src)
{
    if (strcmp(*dst, src) == 0)
        return;
    char *c = mend_strdup(src);
    if (c) {
        free(*dst);
        *dst = c;
    }
}

/* Re-reads one local policy's key; false when only a full re-read can tell (a policy the table
 * does not know, a GPO's, a rename, two keys with one name). */
static bool sync_one(sim_machine *m, const char *guid)
{
    sim_policy *p = sim_policy_by_guid(m, guid);
    if (!p || p->gpo || m->name_clash)
        return false;
    sim_regkey *local = sim_store_local(m);
    char name[KEY_PREFIX_LEN + SIM_GUID_LEN + 1];
    snprintf(name, sizeof name, KEY_PREFIX "%s", guid);
    sim_regkey *k = local ? sim_reg_child(local, name) : NULL;
    sim_regval *nv = k ? sim_reg_value(k, "ipsecName") : NULL;
    if (!nv || nv->type != MEND_REG_SZ) {
        p->in_store = false;
        if (!p->in_table)
            sim_policy_remove(m, p);
        return true;
    }
    if (strcmp(p->name, (const char *)nv->data) != 0)
        return false;
    sim_regval *dv = sim_reg_value(k, "description");
    p->in_store = true;
    set_str(&p->description, dv && dv->type == MEND_REG_SZ ? (const char *)dv->data : "");
    return true;
}

void sim_store_sync(sim_machine *m)
{
    while (!m->store_dirty && m->ndirty > 0)
        if (!sync_one(m, m->dirty_guid[--m->ndirty]))
            m->store_dirty = true;
    m->ndirty = 0;
    if (!m->store_dirty)
        return;
    for (size_t i = 0; i < m->npol; i++)
        m->pol[i]->in_store = false;
    sim_regkey *local = sim_store_local(m);
    bool alive = sim_agent_alive(m);
    for (size_t i = 0; local && i < local->nkids; i++) {
        sim_regkey *k = local->kids[i];
        char guid[SIM_GUID_LEN + 1];
        sim_regval *nv = sim_reg_value(k, "ipsecName");
        if (!guid_of_keyname(k->name, guid) || !nv || nv->type != MEND_REG_SZ)
            continue;
        sim_regval *dv = sim_reg_value(k, "description");
        const char *desc = dv && dv->type == MEND_REG_SZ ? (const char *)dv->data : "";
        sim_policy *p = sim_policy_by_guid(m, guid);
        if (p && p->gpo)
            continue;
        if (!p) {
            /* A key written through the registry: the agent picks it up while it runs. */
            p = calloc(1, sizeof *p);
            if (!p)
                continue;
            memcpy(p->guid, guid, sizeof p->guid);
            p->name = mend_strdup((const char *)nv->data);
            p->description = mend_strdup(desc);
            p->in_table = alive;
            if (!p->name || !p->description || sim_policy_add(m, p) != 0) {
                free(p->name);
                free(p->description);
                free(p);
                continue;
            }
            sim_store_graph_adopt(m, p);
        }
        p->in_store = true;
        set_str(&p->name, (const char *)nv->data);
        set_str(&p->description, desc);
    }
    /* Cached GPO policies: only those the scenario delivered (a key added by hand is not a GPO's). */
    sim_regkey *cache = sim_store_cache(m);
    for (size_t i = 0; cache && i < cache->nkids; i++) {
        char guid[SIM_GUID_LEN + 1];
        sim_policy *p = guid_of_keyname(cache->kids[i]->name, guid) ? sim_policy_by_guid(m, guid) : NULL;
        if (p && p->gpo)
            p->in_store = true;
    }
    for (size_t i = m->npol; i-- > 0;)
        if (!m->pol[i]->in_store && !m->pol[i]->in_table)
            sim_policy_remove(m, m->pol[i]);
    reindex_names(m);
    m->store_dirty = false;
}

/* Read once and kept until the store changes (sim_store_touch, sim_store_set_active): every
 * ipsec.get asks, and walking the registry path each time was a twenty-fifth of a big fix. */
void sim_store_active_guid(const sim_machine *m, char out[SIM_GUID_LEN + 1])
{
    sim_machine *mm = (sim_machine *)m;   /* a cache: the machine itself is unchanged */
    if (!m->active_known) {
        mm->active_guid[0] = '\0';
        sim_regkey *local = sim_store_local(m);
        sim_regval *v = local ? sim_reg_value(local, "ActivePolicy") : NULL;
        if (v && v->type == MEND_REG_SZ) {
            const char *last = strrchr((const char *)v->data, '\\');
            last = last ? last + 1 : (const char *)v->data;
            if (!guid_of_keyname(last, mm->active_guid))
                mm->active_guid[0] = '\0';
        }
        mm->active_known = true;
    }
    memcpy(out, m->active_guid, SIM_GUID_LEN + 1);
}

bool sim_policy_assigned(const sim_machine *m, const sim_policy *p)
{
    char g[SIM_GUID_LEN + 1];
    sim_store_active_guid(m, g);
    return g[0] && strcmp(g, p->guid) == 0;
}

int sim_store_set_active(sim_machine *m, const sim_policy *p)
{
    sim_regkey *local = sim_store_local(m);
    m->active_known = false;
    if (!local)
        return -1;
    if (!p) {
        sim_reg_remove_value(local, "ActivePolicy");
        return 0;
    }
    /* Windows records the key relative to HKLM. */
    char v[256];
    snprintf(v, sizeof v, SIM_STORE_SUBPATH "\\" KEY_PREFIX "%s", p->guid);
    return sim_reg_put_sz(local, "ActivePolicy", v);
}

bool sim_agent_alive(const sim_machine *m)
{
    sim_service *s = sim_service_find(m, "PolicyAgent");
    return s && s->state != MEND_SVC_STOPPED;
}

void sim_agent_started(sim_machine *m)
{
    sim_store_sync(m);
    bool offload = sim_any_nic_offloads(m);
    for (size_t i = m->npol; i-- > 0;) {
        sim_policy *p = m->pol[i];
        if (!p->in_store) {
            sim_policy_remove(m, p);
            continue;
        }
        p->in_table = true;
        if (!offload)
            p->blockers &= ~(unsigned)SIM_B_NIC_OFFLOAD;
    }
    sim_spd_agent_started(m);
}

void sim_agent_stopped(sim_machine *m)
{
    sim_store_sync(m);
    sim_spd_agent_stopped(m);
    for (size_t i = m->npol; i-- > 0;) {
        sim_policy *p = m->pol[i];
        if (!p->in_store)
            sim_policy_remove(m, p);
        else
            p->in_table = false;
    }
}

void sim_policy_purge(sim_machine *m, sim_policy *p, bool window)
{
    sim_regkey *k = sim_store_key(m, p);
    if (k) {
        sim_reg_unlink(k);
        sim_store_graph_purge(m, p);
    }
    if (window)
        sim_window_add(m, p->name, m->clock + m->delete_window);
    sim_policy_remove(m, p);
}

bool sim_in_window(sim_machine *m, const char *name)
{
    double *ends = sim_map_get(&m->window, name);
    if (!ends)
        return false;
    if (*ends > m->clock)
        return true;
    sim_map_del(&m->window, name, ends);
    free(ends);
    return false;
}

int sim_window_add(sim_machine *m, const char *name, double ends)
{
    double *v = sim_map_get(&m->window, name);
    if (v) {
        *v = ends;
        return 0;
    }
    if (!(v = malloc(sizeof *v)))
        return -1;
    *v = ends;
    if (sim_map_put(&m->window, name, v) != 0) {
        free(v);
        return -1;
    }
    return 0;
}

bool sim_policy_held(const sim_machine *m, const sim_policy *p)
{
    char *nt = sim_policy_nt_name(p);
    const sim_pids *owners = nt ? sim_key_holders(m, nt) : NULL;
    bool held = false;
    for (size_t i = 0; owners && i < owners->n && !held; i++) {
        const sim_process *proc = sim_process_find(m, owners->pid[i]);
        held = proc && sim_holder_blocks(proc);
    }
    free(nt);
    return held;
}
