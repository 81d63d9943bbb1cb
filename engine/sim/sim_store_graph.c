/* The objects Windows keeps around each policy in the store (ISAKMP, rules, filter actions, lists). */
#include "sim_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* References are written relative to HKLM, as polstore and public tools (ipsec2k) write them. */
#define REF_ROOT SIM_STORE_SUBPATH "\\"

enum { OBJ_ISAKMP, OBJ_NFA, OBJ_NEGPOL, OBJ_FILTER, OBJ_N };

static const char *const class_names[OBJ_N] = { "ipsecISAKMPPolicy", "ipsecNFA", "ipsecNegotiationPolicy",
                                                "ipsecFilter" };

/* ipsecData opens with the object class's GUID (little-endian); the rest is opaque to tools. */
static const unsigned char class_ids[OBJ_N][16] = {
    { 0xb8, 0x20, 0xdc, 0x80, 0xc8, 0x2e, 0xd1, 0x11, 0xa8, 0x9e, 0x00, 0xa0, 0x24, 0x8d, 0x30, 0x21 },
    { 0x00, 0xac, 0xbb, 0x11, 0x8d, 0x49, 0xd1, 0x11, 0x86, 0x39, 0x00, 0xa0, 0x24, 0x8d, 0x30, 0x21 },
    { 0xb9, 0x20, 0xdc, 0x80, 0xc8, 0x2e, 0xd1, 0x11, 0xa8, 0x9e, 0x00, 0xa0, 0x24, 0x8d, 0x30, 0x21 },
    { 0xb5, 0x20, 0xdc, 0x80, 0xc8, 0x2e, 0xd1, 0x11, 0xa8, 0x9e, 0x00, 0xa0, 0x24, 0x8d, 0x30, 0x21 },
};

/* The filter action's "negotiate security" action and static type, as public tools write them. */
#define NEGPOL_ACTION "{8a171dd3-77e3-11d1-8659-a04f00000000}"
#define NEGPOL_TYPE "{62f49e10-6c37-11d1-864c-14a300000000}"

/* A policy's own object takes the policy's GUID with its first field masked per class, so the
 * object's key name leads back to its policy; a shared one's GUID comes from its name. */
static const uint32_t class_masks[OBJ_N] = { 0x5a1c0001u, 0x5a1c0002u, 0x5a1c0003u, 0x5a1c0004u };

static void mask_guid(const char *guid, int kind, char out[SIM_GUID_LEN + 1])
{
    memcpy(out, guid, SIM_GUID_LEN + 1);
    uint32_t v = 0;
    for (int i = 1; i <= 8; i++) {
        char c = guid[i];
        v = v << 4 | (uint32_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    /* "%08x" by hand: called for every object of every policy a delete purges. */
    v ^= class_masks[kind];
    for (int i = 8; i >= 1; i--, v >>= 4)
        out[i] = "0123456789abcdef"[v & 0xf];
}

static const char *shared_name(const sim_policy *p, int kind)
{
    return kind == OBJ_FILTER ? p->filter_list : kind == OBJ_NEGPOL ? p->filter_action : NULL;
}

static void object_guid(const sim_policy *p, int kind, char out[SIM_GUID_LEN + 1])
{
    const char *shared = shared_name(p, kind);
    if (shared) {
        char seed[300];
        snprintf(seed, sizeof seed, "%s:%.250s", class_names[kind], shared);
        sim_guid_from_name(seed, 0, out);
    } else {
        mask_guid(p->guid, kind, out);
    }
}

static void object_key(const sim_policy *p, int kind, char out[64])
{
    char g[SIM_GUID_LEN + 1];
    object_guid(p, kind, g);
    snprintf(out, 64, "%s%s", class_names[kind], g);
}

static bool written(const sim_machine *m, const char *keyname)
{
    return m->graph_built || sim_map_get(&m->graph_done, keyname) != NULL;
}

void sim_store_graph_ref(const sim_policy *p, int kind, char *out, size_t size)
{
    char g[SIM_GUID_LEN + 1];
    object_guid(p, kind, g);
    snprintf(out, size, REF_ROOT "%s%s", class_names[kind], g);
}

const char *sim_store_graph_isakmp_ref(const sim_policy *p, char *out, size_t size)
{
    sim_store_graph_ref(p, OBJ_ISAKMP, out, size);
    return out;
}

const char *sim_store_graph_nfa_ref(const sim_policy *p, char *out, size_t size)
{
    sim_store_graph_ref(p, OBJ_NFA, out, size);
    return out;
}

/* The values every store object carries (MS-GPIPSEC 2.2.2; ipsec2k's policy_register_base). */
static int common_values(sim_regkey *k, int kind, const char *guid, const char *name, const char *desc,
                         double when)
{
    unsigned char data[25] = { 0 };
    memcpy(data, class_ids[kind], 16);
    data[16] = 4;
    char keyname[64];
    snprintf(keyname, sizeof keyname, "%s%s", class_names[kind], guid);
    int rc = 0;
    rc |= sim_reg_put_sz(k, "ClassName", class_names[kind]);
    rc |= sim_reg_put_sz(k, "description", desc);
    rc |= sim_reg_put(k, "ipsecData", MEND_REG_BINARY, data, sizeof data);
    rc |= sim_reg_put_dword(k, "ipsecDataType", 0x100);
    rc |= sim_reg_put_sz(k, "ipsecID", guid);
    rc |= sim_reg_put_sz(k, "ipsecName", name);
    rc |= sim_reg_put_sz(k, "name", keyname);
    rc |= sim_reg_put_dword(k, "whenChanged", sim_time32(when));
    return rc;
}

static sim_regkey *add_object(sim_regkey *local, const char *ref)
{
    return sim_reg_add_child(local, ref + strlen(REF_ROOT));
}

static int put_multi1(sim_regkey *k, const char *name, const char *s)
{
    return sim_reg_put(k, name, MEND_REG_MULTI_SZ, s, strlen(s) + 1);
}

/* The ISAKMP object or the one rule (NFA) of a policy; either is owned by the policy. */
static int write_own(sim_regkey *local, const sim_policy *p, int kind, double when)
{
    char g[SIM_GUID_LEN + 1], ref[256], pref[256], fref[256], nref[256], name[300];
    snprintf(pref, sizeof pref, REF_ROOT "ipsecPolicy%s", p->guid);
    object_guid(p, kind, g);
    sim_store_graph_ref(p, kind, ref, sizeof ref);
    sim_regkey *k = add_object(local, ref);
    if (!k)
        return -1;
    snprintf(name, sizeof name, "%.250s %s", p->name, kind == OBJ_ISAKMP ? "key exchange" : "rule");
    int rc = common_values(k, kind, g, name, "", when);
    rc |= put_multi1(k, "ipsecOwnersReference", pref);
    if (kind == OBJ_NFA) {
        sim_store_graph_ref(p, OBJ_NEGPOL, nref, sizeof nref);
        sim_store_graph_ref(p, OBJ_FILTER, fref, sizeof fref);
        rc |= sim_reg_put_sz(k, "ipsecNegotiationPolicyReference", nref);
        rc |= put_multi1(k, "ipsecFilterReference", fref);
    }
    return rc ? -1 : 0;
}

/* One (shared or own) filter action or filter list and the rule that uses it. */
typedef struct use {
    char key[64];
    char nfa[SIM_GUID_LEN + 1];
    const sim_policy *p;
    int kind;
} use;

static use make_use(const sim_policy *p, int kind, const char *key)
{
    use u = { .p = p, .kind = kind };
    snprintf(u.key, sizeof u.key, "%s", key);
    object_guid(p, OBJ_NFA, u.nfa);
    return u;
}

static int by_key_then_nfa(const void *a, const void *b)
{
    const use *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->nfa, y->nfa);
}

/* Writes one filter action or filter list with every rule in [u, end) as its owners. */
static int write_shared(sim_regkey *local, const use *u, const use *end, double when)
{
    sim_regkey *k = sim_reg_add_child(local, u->key);
    if (!k)
        return -1;
    const char *shared = u->kind == OBJ_FILTER ? u->p->filter_list : u->p->filter_action;
    char name[300];
    if (shared)
        snprintf(name, sizeof name, "%.250s", shared);
    else
        snprintf(name, sizeof name, "%.250s %s", u->p->name, u->kind == OBJ_FILTER ? "filter list" : "filter action");
    int rc = common_values(k, u->kind, u->key + strlen(class_names[u->kind]), name, "", when);
    if (u->kind == OBJ_NEGPOL) {
        rc |= sim_reg_put_sz(k, "ipsecNegotiationPolicyAction", NEGPOL_ACTION);
        rc |= sim_reg_put_sz(k, "ipsecNegotiationPolicyType", NEGPOL_TYPE);
    }
    size_t one = strlen(REF_ROOT "ipsecNFA") + SIM_GUID_LEN + 1, n = (size_t)(end - u);
    char *owners = malloc(one * n + 1);
    if (!owners)
        return -1;
    size_t len = 0;
    for (const use *x = u; x < end; x++)
        len += (size_t)snprintf(owners + len, one + 1, REF_ROOT "ipsecNFA%s", x->nfa) + 1;
    rc |= sim_reg_put(k, "ipsecOwnersReference", MEND_REG_MULTI_SZ, owners, len);
    free(owners);
    return rc ? -1 : 0;
}

/* The policy key's own whenChanged: its objects were written with it, whenever they are derived. */
static double policy_when(const sim_machine *m, const sim_policy *p, double when)
{
    sim_regkey *k = sim_store_key(m, p);
    sim_regval *v = k ? sim_reg_value(k, "whenChanged") : NULL;
    if (!v || v->type != MEND_REG_DWORD || v->size != 4)
        return when;
    return (double)((uint32_t)v->data[0] | (uint32_t)v->data[1] << 8 | (uint32_t)v->data[2] << 16 |
                    (uint32_t)v->data[3] << 24);
}

enum { DERIVE_ALL, DERIVE_WRITTEN, DERIVE_UNWRITTEN };

static bool wanted(const sim_machine *src, const char *keyname, int mode)
{
    return mode == DERIVE_ALL || written(src, keyname) == (mode == DERIVE_WRITTEN);
}

/* Writes into dst the objects of src's stored policies that mode selects. */
static int derive(sim_machine *dst, const sim_machine *src, double when, int mode)
{
    sim_regkey *local = sim_store_local(dst);
    if (!local)
        return 0;
    use *uses = malloc((2 * src->npol + 1) * sizeof *uses);
    if (!uses)
        return -1;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < src->npol && rc == 0; i++) {
        const sim_policy *p = src->pol[i];
        if (!p->in_store || p->gpo)
            continue;
        double at = policy_when(src, p, when);
        for (int kind = OBJ_ISAKMP; kind <= OBJ_FILTER && rc == 0; kind++) {
            char key[64];
            object_key(p, kind, key);
            if (!wanted(src, key, mode))
                continue;
            if (kind <= OBJ_NFA) {
                rc = write_own(local, p, kind, at);
                continue;
            }
            uses[n++] = make_use(p, kind, key);
        }
    }
    /* Sorted so each shared object lists its owners in one order, whatever the load order. */
    qsort(uses, n, sizeof *uses, by_key_then_nfa);
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i + 1;
        while (j < n && strcmp(uses[j].key, uses[i].key) == 0)
            j++;
        rc = write_shared(local, &uses[i], &uses[j], policy_when(src, uses[i].p, when));
        i = j;
    }
    free(uses);
    return rc;
}

int sim_store_graph_derive(sim_machine *dst, const sim_machine *src, double when)
{
    return derive(dst, src, when, src->graph_built ? DERIVE_ALL : DERIVE_WRITTEN);
}

int sim_store_graph_build(sim_machine *m)
{
    if (m->graph_built)
        return 0;
    int rc = derive(m, m, m->clock, DERIVE_UNWRITTEN);
    m->graph_built = true;
    sim_map_free(&m->graph_done);
    sim_map_init(&m->graph_done, true);
    return rc;
}

/* The class of a derived object's key name (ipsecNFA{...}), or -1; its GUID into g. */
static int class_of(const char *name, size_t len, char g[SIM_GUID_LEN + 1])
{
    for (int kind = 0; kind < OBJ_N; kind++) {
        size_t n = strlen(class_names[kind]);
        if (len == n + SIM_GUID_LEN && mend_ascii_ncasecmp(name, class_names[kind], n) == 0) {
            memcpy(g, name + n, SIM_GUID_LEN);
            g[SIM_GUID_LEN] = '\0';
            if (!sim_guid_valid(g))
                return -1;
            sim_guid_lower(g);
            return kind;
        }
    }
    return -1;
}

/* Writes the one object named keyname, once: after that the registry holds whatever became of it. */
static int materialise(sim_machine *m, const char *keyname, size_t len)
{
    char g[SIM_GUID_LEN + 1], key[64];
    int kind = class_of(keyname, len, g);
    sim_regkey *local = sim_store_local(m);
    if (kind < 0 || !local)
        return 0;
    snprintf(key, sizeof key, "%s%s", class_names[kind], g);
    if (written(m, key))
        return 0;
    if (sim_map_put(&m->graph_done, key, (void *)1) != 0)
        return -1;
    char pg[SIM_GUID_LEN + 1], mine[SIM_GUID_LEN + 1];
    mask_guid(g, kind, pg);
    const sim_policy *p = sim_policy_by_guid(m, pg);
    if (p && p->in_store && !shared_name(p, kind)) {
        object_guid(p, kind, mine);
        if (strcmp(mine, g) == 0) {
            if (kind <= OBJ_NFA)
                return write_own(local, p, kind, policy_when(m, p, m->clock));
            use u = make_use(p, kind, key);
            return write_shared(local, &u, &u + 1, policy_when(m, p, m->clock));
        }
    }
    if (kind <= OBJ_NFA)
        return 0;
    /* A shared filter action or list: every stored policy that names it is an owner. */
    use *uses = malloc((m->npol + 1) * sizeof *uses);
    if (!uses)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < m->npol; i++) {
        const sim_policy *q = m->pol[i];
        if (!q->in_store || q->gpo || !shared_name(q, kind))
            continue;
        object_guid(q, kind, mine);
        if (strcmp(mine, g) != 0)
            continue;
        uses[n++] = make_use(q, kind, key);
    }
    qsort(uses, n, sizeof *uses, by_key_then_nfa);
    int rc = n ? write_shared(local, uses, uses + n, policy_when(m, uses[0].p, m->clock)) : 0;
    free(uses);
    return rc;
}

/* A policy's four objects, before its own key changes under them. */
static void materialise_policy(sim_machine *m, const sim_policy *p)
{
    for (int kind = 0; kind < OBJ_N; kind++) {
        char key[64];
        object_key(p, kind, key);
        materialise(m, key, strlen(key));
    }
}

/* The path's first component under ...\Local, or NULL when path is not below it. */
static const char *below_local(const char *path)
{
    const char *rest;
    if (sim_reg_root(path, &rest) != SIM_ROOT_HKLM)
        return NULL;
    while (*rest == '\\')
        rest++;
    size_t n = strlen(SIM_STORE_SUBPATH);
    if (mend_ascii_ncasecmp(rest, SIM_STORE_SUBPATH, n) != 0 || rest[n] != '\\')
        return NULL;
    rest += n;
    while (*rest == '\\')
        rest++;
    return *rest ? rest : NULL;
}

void sim_store_graph_need(sim_machine *m, const char *path, int how)
{
    if (m->graph_built)
        return;
    const char *first = below_local(path);
    if (!first) {
        if (how == SIM_GRAPH_LIST && sim_store_related(path))
            sim_store_graph_build(m);
        return;
    }
    size_t len = strcspn(first, "\\");
    if (len == 11 + SIM_GUID_LEN && mend_ascii_ncasecmp(first, "ipsecPolicy", 11) == 0) {
        if (how == SIM_GRAPH_READ)
            return;   /* policy keys are always there */
        char g[SIM_GUID_LEN + 1];
        memcpy(g, first + 11, SIM_GUID_LEN);
        g[SIM_GUID_LEN] = '\0';
        sim_guid_lower(g);
        const sim_policy *p = sim_guid_valid(g) ? sim_policy_by_guid(m, g) : NULL;
        if (p && p->in_store)
            materialise_policy(m, p);
        return;
    }
    materialise(m, first, len);
}

/* Drops owner from a multi-string; true when the list is left empty. */
static bool drop_owner(sim_regkey *k, const char *owner)
{
    sim_regval *v = sim_reg_value(k, "ipsecOwnersReference");
    if (!v || v->type != MEND_REG_MULTI_SZ)
        return false;
    char *d = (char *)v->data;
    size_t i = 0, out = 0;
    while (i < v->size) {
        size_t len = strlen(d + i);   /* the data always ends one NUL past size */
        if (len && mend_ascii_casecmp(d + i, owner) != 0) {
            memmove(d + out, d + i, len + 1);
            out += len + 1;
        }
        i += len + 1;
    }
    sim_reg_shrink_value(v, out);
    return out == 0;
}

void sim_store_graph_purge(sim_machine *m, const sim_policy *p)
{
    /* Nothing of the graph written yet (no one has read or listed it): no object to drop, and no
     * key names to format for each purged policy. */
    if (!m->graph_built && m->graph_done.count == 0)
        return;
    sim_regkey *local = sim_store_local(m);
    if (!local || p->gpo)
        return;
    char nfa[256];
    sim_store_graph_nfa_ref(p, nfa, sizeof nfa);
    /* Objects never written follow the policies that are left: nothing to do for them. */
    for (int kind = 0; kind < OBJ_N; kind++) {
        char key[64];
        object_key(p, kind, key);
        sim_regkey *k = written(m, key) ? sim_reg_child(local, key) : NULL;
        if (k && (kind <= OBJ_NFA || drop_owner(k, nfa)))
            sim_reg_unlink(k);
    }
}

int sim_store_graph_add(sim_machine *m, const sim_policy *p)
{
    sim_regkey *local = sim_store_local(m);
    if (!m->graph_built || !local || p->gpo)
        return 0;
    double at = policy_when(m, p, m->clock);
    if (write_own(local, p, OBJ_ISAKMP, at) != 0 || write_own(local, p, OBJ_NFA, at) != 0)
        return -1;
    for (int kind = OBJ_NEGPOL; kind <= OBJ_FILTER; kind++) {
        char key[64];
        object_key(p, kind, key);
        use u = make_use(p, kind, key);
        if (write_shared(local, &u, &u + 1, at) != 0)
            return -1;
    }
    return 0;
}

/* splitmix64: small, well mixed, and its whole state is one number the state file keeps. */
void sim_guid_next(sim_machine *m, char out[SIM_GUID_LEN + 1])
{
    uint64_t r[2];
    for (int i = 0; i < 2; i++) {
        uint64_t z = (m->guid_rng += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        r[i] = z ^ (z >> 31);
    }
    /* A version-4 (random) GUID, as CoCreateGuid makes. */
    snprintf(out, SIM_GUID_LEN + 1, "{%08x-%04x-%04x-%04x-%012llx}", (unsigned)(r[0] >> 32),
             (unsigned)((r[0] >> 16) & 0xFFFF), (unsigned)(0x4000 | (r[0] & 0x0FFF)),
             (unsigned)(0x8000 | ((r[1] >> 48) & 0x3FFF)), (unsigned long long)(r[1] & 0xFFFFFFFFFFFFull));
}

void sim_store_graph_adopt(sim_machine *m, const sim_policy *p)
{
    for (int kind = 0; kind < OBJ_N && !m->graph_built; kind++) {
        char key[64];
        object_key(p, kind, key);
        if (!written(m, key))
            sim_map_put(&m->graph_done, key, (void *)1);
    }
}
