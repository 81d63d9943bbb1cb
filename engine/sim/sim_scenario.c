/* Scenario loading: runs the chunk in the sandbox, validates every field, builds the machine. */
#include "sim_internal.h"
#include "sim_scenario_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"
#include "sim_sandbox.h"

static const char *const top_keys[] = { "policies", "services", "processes", "handles", "nics",
                                        "registry", "faults", "settings", "runtime", "events", NULL };

/* ---- settings and runtime ---- */

static int load_settings(sc_ctx *c, int t)
{
    static const char *const keys[] = { "clock", "delete_window", "admin", "os", NULL };
    if (sc_open_table(c, t, "settings") <= 0)
        return c->failed ? -1 : 0;
    int idx = lua_gettop(c->L);
    if (sc_check_keys(c, idx, "settings", keys) != 0)
        return -1;
    double clock = c->m->clock, window = c->m->delete_window;
    bool admin = c->m->admin;
    char *os = NULL;
    if (sc_opt_number(c, idx, "settings", "clock", &clock) || sc_opt_number(c, idx, "settings", "delete_window", &window) ||
        sc_opt_bool(c, idx, "settings", "admin", &admin) || sc_opt_string(c, idx, "settings", "os", &os, NULL))
        return -1;
    if (window < 0)
        return sc_fail(c, "settings.delete_window: expected seconds >= 0, got %g", window);
    c->m->clock = clock;
    c->m->delete_window = window;
    c->m->admin = admin;
    c->m->os = os;
    lua_pop(c->L, 1);
    return 0;
}

static int load_runtime(sc_ctx *c, int t, uint32_t *next_pid)
{
    static const char *const keys[] = { "boot_count", "next_pid", "delete_window", "guid_seed", NULL };
    static const char *const wkeys[] = { "name", "ends", NULL };
    if (sc_open_table(c, t, "runtime") <= 0)
        return c->failed ? -1 : 0;
    int idx = lua_gettop(c->L);
    if (sc_check_keys(c, idx, "runtime", keys) != 0 ||
        sc_opt_u32(c, idx, "runtime", "boot_count", &c->m->boot_count) ||
        sc_opt_u32(c, idx, "runtime", "next_pid", next_pid))
        return -1;
    char *seed = NULL;
    if (sc_opt_string(c, idx, "runtime", "guid_seed", &seed, NULL))
        return -1;
    if (seed) {
        char *end;
        unsigned long long v = strtoull(seed, &end, 16);
        bool ok = *seed && !*end && strlen(seed) <= 16;
        free(seed);
        if (!ok)
            return sc_fail(c, "runtime.guid_seed: expected up to 16 hex digits");
        c->m->guid_rng = (uint64_t)v;
    }
    size_t n;
    int has = sc_open_list(c, idx, "runtime", "delete_window", &n);
    if (has < 0)
        return -1;
    for (size_t i = 1; has && i <= n; i++) {
        char where[64];
        snprintf(where, sizeof where, "runtime.delete_window[%lu]", (unsigned long)i);
        if (sc_list_item_table(c, i, where) != 0)
            return -1;
        int w = lua_gettop(c->L);
        char *name = NULL;
        double ends = 0;
        if (sc_check_keys(c, w, where, wkeys) || sc_opt_string(c, w, where, "name", &name, NULL) ||
            sc_opt_number(c, w, where, "ends", &ends)) {
            free(name);
            return -1;
        }
        if (!name) {
            return sc_fail(c, "%s.name: missing", where);
        }
        sim_window_add(c->m, name, ends);
        free(name);
        lua_pop(c->L, 1);
    }
    if (has)
        lua_pop(c->L, 1);
    lua_pop(c->L, 1);
    return 0;
}

/* ---- NICs ---- */

/* keywords = { ["*IPsecOffloadV2"] = 3, ... }: the ones given are present (0..3), the rest absent. */
static int load_keywords(sc_ctx *c, int x, const char *where, sim_nic *nic, bool *has)
{
    static const char *const keys[] = { "*IPsecOffloadV1IPv4", "*IPsecOffloadV2", "*IPsecOffloadV2IPv4", NULL };
    char kwhere[96];
    snprintf(kwhere, sizeof kwhere, "%s.keywords", where);
    lua_getfield(c->L, x, "keywords");
    if (lua_isnil(c->L, -1)) {
        lua_pop(c->L, 1);
        return 0;
    }
    if (!lua_istable(c->L, -1))
        return sc_fail(c, "%s: expected a table of keyword = 0..3", kwhere);
    int k = lua_gettop(c->L);
    if (sc_check_keys(c, k, kwhere, keys) != 0)
        return -1;
    *has = true;
    for (int i = 0; i < SIM_NIC_NKW; i++) {
        uint32_t v = 0;
        bool present = false;
        if (sc_opt_u32_has(c, k, kwhere, sim_nic_keywords[i], &v, &present) != 0)
            return -1;
        if (present && v > 3)
            return sc_fail(c, "%s.%s: expected 0 (off), 1 (AH), 2 (ESP) or 3 (AH and ESP), got %u", kwhere,
                           sim_nic_keywords[i], (unsigned)v);
        nic->kw[i] = present ? (int)v : -1;
    }
    lua_pop(c->L, 1);
    return 0;
}

int sc_nic_finish(sc_ctx *c, size_t i, sim_nic *nic, bool has_off, bool off, bool has_kw)
{
    char where[48];
    /* ipsec_offload alone: all three keywords 3 or 0. With keywords, it says what is in
     * effect (a change written but not yet read by a restarted adapter differs). */
    if (!has_kw)
        sim_nic_set_all(nic, off ? 3 : 0);
    nic->offload = has_off ? off : sim_nic_configured_on(nic);
    if (!nic->name || !nic->name[0])
        return sc_fail(c, "%s.name: missing", sc_where(where, sizeof where, "nics", i));
    for (size_t j = 0; j + 1 < c->m->nnic; j++)
        if (mend_ascii_casecmp(c->m->nic[j].name, nic->name) == 0)
            return sc_fail(c, "%s.name: duplicate network adapter '%.80s' (also nics[%lu])",
                           sc_where(where, sizeof where, "nics", i), nic->name, (unsigned long)(j + 1));
    return 0;
}

static int load_nics(sc_ctx *c, int t)
{
    static const char *const keys[] = { "name", "description", "ipsec_offload", "keywords", NULL };
    size_t n;
    int has = sc_open_list(c, t, NULL, "nics", &n);
    if (has <= 0)
        return has;
    if (n && !(c->m->nic = calloc(n, sizeof *c->m->nic)))
        return sc_oom(c);
    for (size_t i = 1; i <= n; i++) {
        char where[48];
        snprintf(where, sizeof where, "nics[%lu]", (unsigned long)i);
        if (sc_list_item_table(c, i, where) != 0)
            return -1;
        int x = lua_gettop(c->L);
        sim_nic *nic = &c->m->nic[c->m->nnic];
        bool off = false, has_off = false, has_kw = false;
        lua_getfield(c->L, x, "ipsec_offload");
        has_off = !lua_isnil(c->L, -1);
        lua_pop(c->L, 1);
        if (sc_check_keys(c, x, where, keys) || sc_opt_string(c, x, where, "name", &nic->name, NULL) ||
            sc_opt_string(c, x, where, "description", &nic->description, "") ||
            sc_opt_bool(c, x, where, "ipsec_offload", &off) || load_keywords(c, x, where, nic, &has_kw)) {
            free(nic->name);
            free(nic->description);
            return -1;
        }
        c->m->nnic++;
        if (sc_nic_finish(c, i, nic, has_off, off, has_kw) != 0)
            return -1;
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return 0;
}

/* ---- processes ---- */

int sc_process_add(sc_ctx *c, size_t i, uint32_t pid, char *name, char *path, uint32_t ppid, bool autostart,
                   bool running, bool critical, bool is_protected, int ipsec_client)
{
    char where[48];
    if (pid == UINT32_MAX || !name || !name[0]) {
        free(name);
        free(path);
        return sc_fail(c, "%s.%s: missing", sc_where(where, sizeof where, "processes", i),
                       pid == UINT32_MAX ? "pid" : "name");
    }
    if (sim_process_find(c->m, pid)) {
        free(name);
        free(path);
        return sc_fail(c, "%s.pid: duplicate pid %u", sc_where(where, sizeof where, "processes", i), (unsigned)pid);
    }
    sim_process *p = sim_process_add(c->m, pid, name);
    free(name);
    if (!p) {
        free(path);
        return sc_oom(c);
    }
    free(p->path);
    p->path = path;
    p->ppid = ppid;
    p->autostart = autostart;
    p->alive = running;
    p->critical = critical;
    p->is_protected = is_protected;
    if (ipsec_client >= 0)
        p->ipsec_client = ipsec_client != 0;
    if (!running && !autostart)
        return sc_fail(c, "%s.running: a stopped process is only kept when it has autostart",
                       sc_where(where, sizeof where, "processes", i));
    return 0;
}

static int load_processes(sc_ctx *c, int t)
{
    static const char *const keys[] = { "pid", "ppid", "name", "path", "autostart", "running", "critical",
                                        "ipsec_client", "protected", NULL };
    size_t n;
    int has = sc_open_list(c, t, NULL, "processes", &n);
    if (has <= 0)
        return has;
    for (size_t i = 1; i <= n; i++) {
        char where[48];
        snprintf(where, sizeof where, "processes[%lu]", (unsigned long)i);
        if (sc_list_item_table(c, i, where) != 0)
            return -1;
        int x = lua_gettop(c->L);
        uint32_t pid = UINT32_MAX, ppid = 0;
        bool autostart = true, running = true, critical = false, is_protected = false;
        bool ipsec_client = false, has_client = false;
        char *name = NULL, *path = NULL;
        lua_getfield(c->L, x, "ipsec_client");
        has_client = !lua_isnil(c->L, -1);
        lua_pop(c->L, 1);
        if (sc_check_keys(c, x, where, keys) || sc_opt_u32(c, x, where, "pid", &pid) ||
            sc_opt_u32(c, x, where, "ppid", &ppid) || sc_opt_bool(c, x, where, "autostart", &autostart) ||
            sc_opt_bool(c, x, where, "running", &running) || sc_opt_bool(c, x, where, "critical", &critical) ||
            sc_opt_bool(c, x, where, "ipsec_client", &ipsec_client) ||
            sc_opt_bool(c, x, where, "protected", &is_protected) ||
            sc_opt_string(c, x, where, "name", &name, NULL) || sc_opt_string(c, x, where, "path", &path, "")) {
            free(name);
            free(path);
            return -1;
        }
        if (sc_process_add(c, i, pid, name, path, ppid, autostart, running, critical, is_protected,
                           has_client ? ipsec_client : -1) != 0)
            return -1;
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return 0;
}

/* ---- policies ---- */

static const struct { const char *name; unsigned bit; } blocker_names[] = {
    { "gpo_cache", SIM_B_GPO_CACHE }, { "driver_state", SIM_B_DRIVER_STATE },
    { "nic_offload", SIM_B_NIC_OFFLOAD }, { "store_corrupt", SIM_B_STORE_CORRUPT },
    { "spd_sas", SIM_B_SPD_SAS }, { "spd_qm", SIM_B_SPD_QM },
    { "orphan_filter", SIM_B_ORPHAN_FILTER }, { "stale_memory", 0 }, { "assigned", 0 },
};

int sc_blocker(const char *b, unsigned *bits, bool *stale, bool *assigned)
{
    for (size_t k = 0; k < sizeof blocker_names / sizeof blocker_names[0]; k++)
        if (strcmp(b, blocker_names[k].name) == 0) {
            *bits |= blocker_names[k].bit;
            if (k == sizeof blocker_names / sizeof blocker_names[0] - 2)
                *stale = true;
            if (k == sizeof blocker_names / sizeof blocker_names[0] - 1)
                *assigned = true;
            return 0;
        }
    return -1;
}

static int load_blockers(sc_ctx *c, int x, const char *where, unsigned *bits, bool *stale, bool *assigned)
{
    size_t n;
    int has = sc_open_list(c, x, where, "blockers", &n);
    if (has <= 0)
        return has;
    for (size_t i = 1; i <= n; i++) {
        lua_rawgeti(c->L, -1, (lua_Integer)i);
        if (lua_type(c->L, -1) != LUA_TSTRING)
            return sc_fail(c, "%s.blockers[%lu]: expected a string, got %s", where, (unsigned long)i, luaL_typename(c->L, -1));
        const char *b = lua_tostring(c->L, -1);
        if (sc_blocker(b, bits, stale, assigned) != 0)
            return sc_fail(c, "%s.blockers[%lu]: unknown blocker '%.60s' (expected gpo_cache, stale_memory, "
                           "driver_state, nic_offload, store_corrupt, spd_sas, spd_qm, orphan_filter or "
                           "assigned)", where, (unsigned long)i, b);
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return 0;
}

void sc_policy_free(sim_policy *p)
{
    free(p->name);
    free(p->description);
    free(p->filter_list);
    free(p->filter_action);
    free(p->gpo);
    free(p);
}

int sc_policy_add(sc_ctx *c, size_t i, sim_policy *p, const sc_policy_in *in, sim_map *names, size_t *assigned_at)
{
    char wbuf[48] = "";
    /* "policies[i]", formatted only for an error: 100,000 policies load without one snprintf each. */
#define WHERE (wbuf[0] ? wbuf : sc_where(wbuf, sizeof wbuf, "policies", i))
    const char *source = in->source, *state = in->state, *guid = in->guid;
    int rc = 0;
    if (strcmp(source, "local") != 0 && strcmp(source, "gpo") != 0)
        rc = sc_fail(c, "%s.source: expected 'local' or 'gpo', got '%.60s'", WHERE, source);
    if (!rc && (strcmp(source, "gpo") == 0) != (p->gpo != NULL))
        rc = sc_fail(c, "%s.gpo: a policy with source = \"gpo\" names its GPO (gpo = \"NAME\"), and only "
                     "such a policy has one", WHERE);
    if (!rc && p->gpo && !p->gpo[0])
        rc = sc_fail(c, "%s.gpo: the GPO's name is empty", WHERE);
    if (!rc && p->gpo && (in->assigned || in->stale))
        rc = sc_fail(c, "%s: a GPO-delivered policy is not in the local store, so it cannot be locally "
                     "assigned or stale_memory", WHERE);
    if (!rc && (!p->name || !p->name[0]))
        rc = sc_fail(c, "%s.name: missing", WHERE);
    if (!rc && strcmp(state, "active") != 0 && strcmp(state, "pending_deletion") != 0)
        rc = sc_fail(c, "%s.state: expected 'active' or 'pending_deletion', got '%.60s'", WHERE, state);
    if (!rc && guid && !sim_guid_valid(guid))
        rc = sc_fail(c, "%s.guid: expected a GUID like {01234567-89ab-cdef-0123-456789abcdef}, got '%.60s'",
                     WHERE, guid);
    if (!rc && sim_map_get(names, p->name))
        rc = sc_fail(c, "%s.name: duplicate policy name '%.80s' (also policies[%lu])", WHERE, p->name,
                     (unsigned long)(uintptr_t)sim_map_get(names, p->name));
    if (!rc && in->assigned && *assigned_at)
        rc = sc_fail(c, "%s.assigned: only one policy can be assigned (policies[%lu] already is)", WHERE,
                     (unsigned long)*assigned_at);
    if (!rc && in->stale && !sim_agent_alive(c->m))
        rc = sc_fail(c, "%s.blockers: stale_memory needs PolicyAgent running (its table is empty while "
                     "it is stopped)", WHERE);
    if (!rc && guid) {
        memcpy(p->guid, guid, sizeof p->guid);
        sim_guid_lower(p->guid);
        const sim_policy *other = sim_policy_by_guid(c->m, p->guid);
        if (other)
            rc = sc_fail(c, "%s.guid: duplicate guid %s (also policy '%.80s')", WHERE, p->guid, other->name);
    } else if (!rc) {
        for (unsigned salt = 0;; salt++) {
            sim_guid_from_name(p->name, salt, p->guid);
            if (!sim_policy_by_guid(c->m, p->guid))
                break;
        }
    }
    if (!rc && sim_map_put(names, p->name, (void *)(uintptr_t)i) != 0)
        rc = sc_oom(c);
    if (rc) {
        sc_policy_free(p);
        return -1;
    }
    p->state = strcmp(state, "active") == 0 ? MEND_POLICY_ACTIVE : MEND_POLICY_PENDING_DELETION;
    p->in_store = !in->stale;
    p->in_table = in->stale || sim_agent_alive(c->m);
    p->delete_accepted = in->accepted;
    if (p->in_store && sim_store_write_policy(c->m, p, c->m->clock) != 0) {
        sc_policy_free(p);
        return sc_oom(c);
    }
    if (sim_policy_add(c->m, p) != 0) {
        sc_policy_free(p);
        return sc_oom(c);
    }
    if (in->assigned) {
        *assigned_at = i;
        sim_store_set_active(c->m, p);
    }
    return 0;
#undef WHERE
}

static int load_policy(sc_ctx *c, size_t i, sim_map *names, size_t *assigned_at)
{
    static const char *const keys[] = { "name", "guid", "description", "state", "assigned", "sa_count",
                                        "blockers", "delete_accepted", "filter_list", "filter_action",
                                        "source", "gpo", "gpo_assigned", NULL };
    char where[48];
    snprintf(where, sizeof where, "policies[%lu]", (unsigned long)i);
    if (sc_list_item_table(c, i, where) != 0)
        return -1;
    int x = lua_gettop(c->L);
    if (sc_check_keys(c, x, where, keys) != 0)
        return -1;
    sim_policy *p = calloc(1, sizeof *p);
    if (!p)
        return sc_oom(c);
    char *guid = NULL, *state = NULL, *source = NULL;
    sc_policy_in in = { 0 };
    p->gpo_assigned = true;
    int rc = sc_opt_string(c, x, where, "name", &p->name, NULL) ||
             sc_opt_string(c, x, where, "guid", &guid, NULL) ||
             sc_opt_string(c, x, where, "description", &p->description, "") ||
             sc_opt_string(c, x, where, "state", &state, "active") ||
             sc_opt_bool(c, x, where, "assigned", &in.assigned) ||
             sc_opt_bool(c, x, where, "delete_accepted", &in.accepted) ||
             sc_opt_u32(c, x, where, "sa_count", &p->sa_count) ||
             sc_opt_string(c, x, where, "filter_list", &p->filter_list, NULL) ||
             sc_opt_string(c, x, where, "filter_action", &p->filter_action, NULL) ||
             sc_opt_string(c, x, where, "source", &source, "local") ||
             sc_opt_string(c, x, where, "gpo", &p->gpo, NULL) ||
             sc_opt_bool(c, x, where, "gpo_assigned", &p->gpo_assigned) ||
             load_blockers(c, x, where, &p->blockers, &in.stale, &in.assigned);
    if (rc) {
        sc_policy_free(p);
    } else {
        in.guid = guid;
        in.state = state;
        in.source = source;
        rc = sc_policy_add(c, i, p, &in, names, assigned_at);
    }
    free(guid);
    free(state);
    free(source);
    if (rc)
        return -1;
    lua_pop(c->L, 1);
    return 0;
}

static int load_policies(sc_ctx *c, int t)
{
    size_t n;
    int has = sc_open_list(c, t, NULL, "policies", &n);
    if (has <= 0)
        return has;
    sim_map names;
    sim_map_init(&names, false);
    size_t assigned_at = 0;
    int rc = 0;
    for (size_t i = 1; i <= n && rc == 0; i++)
        rc = load_policy(c, i, &names, &assigned_at);
    sim_map_free(&names);
    if (rc == 0)
        lua_pop(c->L, 1);
    return rc;
}

/* ---- handles ---- */

static uint32_t default_access(const char *type)
{
    if (mend_ascii_casecmp(type, "Key") == 0)
        return 0x20019;   /* KEY_READ */
    if (mend_ascii_casecmp(type, "File") == 0)
        return 0x120089;  /* FILE_GENERIC_READ */
    return 0x1F0003;
}

int sc_handle_add(sc_ctx *c, size_t i, uint32_t pid, const char *policy, const char *type, const char *name,
                  double value, bool has_access, uint32_t access)
{
    char where[48];
    sc_where(where, sizeof where, "handles", i);
    sim_process *proc = NULL;
    const sim_policy *pol = NULL;
    int rc = 0;
    if (pid == UINT32_MAX)
        rc = sc_fail(c, "%s.pid: missing", where);
    if (!rc && !(proc = sim_process_find(c->m, pid)))
        rc = sc_fail(c, "%s.pid: no process has pid %u", where, (unsigned)pid);
    if (!rc && policy && (type || name))
        rc = sc_fail(c, "%s: give either policy or type and name, not both", where);
    if (!rc && !policy && !type)
        rc = sc_fail(c, "%s: needs policy = NAME, or type = and name =", where);
    if (!rc && policy && !(pol = sim_policy_by_name(c->m, policy)))
        rc = sc_fail(c, "%s.policy: no policy named '%.80s'", where, policy);
    if (!rc && value != -1 && (value < 0 || value != floor(value) || value > 9.0e15))
        rc = sc_fail(c, "%s.handle: expected a non-negative integer", where);
    if (rc)
        return -1;
    char *nt = pol ? sim_policy_nt_name(pol) : NULL;
    const char *htype = pol ? "Key" : type;
    sim_handle *h = sim_handle_add(c->m, proc, htype, pol ? (nt ? nt : "") : (name ? name : ""),
                                   has_access ? access : default_access(htype));
    free(nt);
    if (!h)
        return sc_oom(c);
    if (value != -1) {
        h->value = (uint64_t)value;
        if (proc->next_handle <= h->value)
            proc->next_handle = h->value + 4;
    }
    return 0;
}

static int load_handles(sc_ctx *c, int t)
{
    static const char *const keys[] = { "pid", "policy", "type", "name", "handle", "access", NULL };
    size_t n;
    int has = sc_open_list(c, t, NULL, "handles", &n);
    if (has <= 0)
        return has;
    for (size_t i = 1; i <= n; i++) {
        char where[48];
        snprintf(where, sizeof where, "handles[%lu]", (unsigned long)i);
        if (sc_list_item_table(c, i, where) != 0)
            return -1;
        int x = lua_gettop(c->L);
        uint32_t pid = UINT32_MAX, access = 0;
        double value = -1;
        char *policy = NULL, *type = NULL, *name = NULL;
        bool has_access = false;
        int rc = sc_check_keys(c, x, where, keys) || sc_opt_u32(c, x, where, "pid", &pid) ||
                 sc_opt_string(c, x, where, "policy", &policy, NULL) ||
                 sc_opt_string(c, x, where, "type", &type, NULL) ||
                 sc_opt_string(c, x, where, "name", &name, NULL) ||
                 sc_opt_number(c, x, where, "handle", &value) ||
                 sc_opt_u32_has(c, x, where, "access", &access, &has_access);
        if (!rc)
            rc = sc_handle_add(c, i, pid, policy, type, name, value, has_access, access);
        free(policy);
        free(type);
        free(name);
        if (rc)
            return -1;
        lua_pop(c->L, 1);
    }
    lua_pop(c->L, 1);
    return 0;
}

/* ---- faults ---- */

int sc_faults_check(sc_ctx *c)
{
    for (size_t i = 0; i < c->m->ignore_stop.n; i++)
        if (!sim_service_find(c->m, c->m->ignore_stop.v[i]))
            return sc_fail(c, "faults.ignore_stop[%lu]: no service named '%.80s'", (unsigned long)(i + 1), c->m->ignore_stop.v[i]);
    for (size_t i = 0; i < c->m->access_denied.n; i++) {
        const char *f = c->m->access_denied.v[i];
        size_t oplen = strcspn(f, ":");
        char op[40];
        if (oplen >= sizeof op)
            oplen = sizeof op - 1;
        memcpy(op, f, oplen);
        op[oplen] = '\0';
        if (!sim_fault_op_known(op))
            return sc_fail(c, "faults.access_denied[%lu]: unknown operation '%s' (expected e.g. "
                           "'ipsec.delete' or 'svc.stop:PolicyAgent')", (unsigned long)(i + 1), op);
    }
    return 0;
}

static int load_faults(sc_ctx *c, int t)
{
    static const char *const keys[] = { "ignore_stop", "access_denied", "unkillable", "crash_after", NULL };
    if (sc_open_table(c, t, "faults") <= 0)
        return c->failed ? -1 : 0;
    int idx = lua_gettop(c->L);
    uint32_t crash = 0;
    if (sc_check_keys(c, idx, "faults", keys) || sc_opt_u32(c, idx, "faults", "crash_after", &crash) ||
        sc_string_list(c, idx, "faults", "ignore_stop", &c->m->ignore_stop, false) ||
        sc_string_list(c, idx, "faults", "access_denied", &c->m->access_denied, false) ||
        sc_string_list(c, idx, "faults", "unkillable", &c->m->unkillable, true))
        return -1;
    c->m->crash_after = (long)crash;
    if (sc_faults_check(c) != 0)
        return -1;
    lua_pop(c->L, 1);
    return 0;
}

/* ---- the whole scenario ---- */

int sim_scenario_registry(sc_ctx *c, int t);
int sim_scenario_services(sc_ctx *c, int t);
int sim_events_load(sc_ctx *c, int t);
void sim_scenario_service_pids(sim_machine *m);

void sc_machine_finish(sim_machine *m, uint32_t next_pid)
{
    if (next_pid > m->next_pid)
        m->next_pid = next_pid;
    sim_scenario_service_pids(m);
    m->active_known = false;
    /* The loader wrote each policy's key from its record: unless a registry section wrote in
     * the IPSec area too, or two records share a name, re-reading the store finds what the
     * table holds (a tenth of a 100,000-policy load went to that re-read). */
    m->store_dirty = m->store_raw || m->name_clash;
    m->ndirty = 0;
    m->store_raw = false;
    sim_store_sync(m);
}

static int build(sc_ctx *c)
{
    lua_State *L = c->L;
    int t = lua_gettop(L);
    if (lua_type(L, t) != LUA_TTABLE)
        return sc_fail(c, "the scenario must return a table, got %s", luaL_typename(L, t));
    if (sc_check_keys(c, t, NULL, top_keys) != 0)
        return -1;
    uint32_t next_pid = 0;
    sim_reg_default_tree(c->m);
    if (load_settings(c, t) || load_runtime(c, t, &next_pid) || sim_scenario_services(c, t) ||
        load_processes(c, t) || load_nics(c, t) || load_policies(c, t) || load_handles(c, t) ||
        sim_scenario_registry(c, t) || load_faults(c, t) || sim_events_load(c, t))
        return -1;
    sc_machine_finish(c->m, next_pid);
    return 0;
}

/* Validation calls the Lua API, which raises on memory errors: run it protected. */
static int build_protected(lua_State *L)
{
    sc_ctx *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    lua_pushboolean(L, build(c) == 0);
    return 1;
}

/* Builds the machine from the scenario table on top of L, and closes L. */
static int load_evaluated(lua_State *L, sim_machine **out, mend_err *e)
{
    sc_ctx c = { L, sim_machine_new(), e, false };
    if (!c.m) {
        sim_sandbox_close(L);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory loading the scenario");
    }
    lua_pushcfunction(L, build_protected);
    lua_insert(L, -2);                     /* the function, then the scenario table */
    lua_pushlightuserdata(L, &c);
    int rc = 0;
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        if (!c.failed)
            mend_err_set(e, MEND_E_INVALID, 0, "cannot load the scenario: %s",
                         lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "out of memory");
        rc = -1;
    } else if (!lua_toboolean(L, -1)) {
        rc = -1;
    }
    sim_sandbox_close(L);
    if (rc != 0) {
        sim_machine_free(c.m);
        return -1;
    }
    *out = c.m;
    return 0;
}

int sim_scenario_load_buffer(const char *buf, size_t len, const char *chunkname, sim_machine **out,
                             mend_err *e)
{
    if (sim_state_read(buf, len, out) == 0)
        return 0;
    return sim_scenario_load_lua(buf, len, chunkname, out, e);
}

int sim_scenario_load_lua(const char *buf, size_t len, const char *chunkname, sim_machine **out, mend_err *e)
{
    *out = NULL;
    lua_State *L;
    if (sim_sandbox_eval(buf, len, chunkname ? chunkname : "=scenario", &L, e) != 0)
        return -1;
    return load_evaluated(L, out, e);
}

int sim_scenario_load_file(const char *path, sim_machine **out, mend_err *e)
{
    *out = NULL;
    char *buf;
    size_t len;
    /* A state mend wrote itself can grow past it: a clear error, never an abort. */
    if (mend_read_file_max(path, MEND_READ_FILE_MAX, "the most the simulator reads as a state or scenario",
                           &buf, &len, e) != 0)
        return -1;
    if (sim_state_read(buf, len, out) == 0) {
        free(buf);
        return 0;
    }
    size_t n = strlen(path) + 2;
    char *chunk = malloc(n);
    if (!chunk) {
        free(buf);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory loading %s", path);
    }
    snprintf(chunk, n, "@%s", path);
    /* The text is freed before the machine is built: at 100,000 policies it is 15 MB. */
    lua_State *L;
    int rc = sim_sandbox_eval(buf, len, chunk, &L, e);
    free(chunk);
    free(buf);
    if (rc == 0)
        rc = load_evaluated(L, out, e);
    if (rc != 0 && e && strncmp(e->msg, path, strlen(path)) != 0) {
        char msg[2 * MEND_MSG_MAX + 4096];
        snprintf(msg, sizeof msg, "%.4000s: %s", path, e->msg);
        size_t mlen = strlen(msg);
        if (mlen >= sizeof e->msg)
            mlen = sizeof e->msg - 1;
        memcpy(e->msg, msg, mlen);
        e->msg[mlen] = '\0';
    }
    return rc;
}
