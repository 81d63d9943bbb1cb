/* Reads a state file mend wrote straight into a machine, without Lua; anything else is left to Lua. */
#include "sim_internal.h"
#include "sim_scenario_util.h"
#include "sim_state_lex.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The writer nests four tables deep; a little room for a hand-edited state. */
#define DEPTH 16

/* The load order of sim_scenario.c's build(), whatever order the text has. */
enum { S_SETTINGS, S_RUNTIME, S_SERVICES, S_PROCESSES, S_NICS, S_POLICIES, S_HANDLES, S_REGISTRY, S_FAULTS,
       S_EVENTS, S_N };
static const char *const section_names[S_N] = { "settings", "runtime", "services", "processes", "nics",
                                                "policies", "handles", "registry", "faults", "events" };

/* ---- fields and lists ---- */

/* The next field of a record: false at its end ('}' consumed, *done set) or on anything but
 * `name =` / `["name"] =` (a key without NUL that fits kbuf). */
static bool next_field(sl_cur *c, char *kbuf, size_t ksize, const char **k, size_t *n, bool *done)
{
    *done = false;
    if (sl_punct(c, '}')) {
        *done = true;
        return false;
    }
    if (sl_punct(c, '[')) {
        if (!sl_string_buf(c, kbuf, ksize) || !sl_punct(c, ']'))
            return false;
        *k = kbuf;
        *n = strlen(kbuf);
    } else if (!sl_name(c, k, n)) {
        return false;
    }
    return sl_punct(c, '=');
}

/* Loops over a record's fields: `FIELDS(c) { if (SL_IS(k, n, "x")) ... else return false; }`; after
 * the loop, done says whether the record ended well. */
#define FIELDS(c)                                                                                  \
    char kbuf_[64];                                                                                \
    const char *k;                                                                                 \
    size_t n;                                                                                      \
    bool done;                                                                                     \
    for (; next_field((c), kbuf_, sizeof kbuf_, &k, &n, &done); )

/* A list item starts (true), or the list ends ('}' consumed, *more false). */
static bool list_next(sl_cur *c, bool *more)
{
    *more = !sl_punct(c, '}');
    return true;
}

/* Marks a field seen; false when it was already (Lua would keep the last, this reader refuses). */
static bool once(unsigned *seen, unsigned bit)
{
    if (*seen & bit)
        return false;
    *seen |= bit;
    return true;
}

static bool rd_u32(sl_cur *c, uint32_t *out)
{
    sl_num v;
    int64_t i;
    if (!sl_number(c, &v) || !sl_num_int(&v, &i) || i < 0 || i > (int64_t)UINT32_MAX - 1)
        return false;
    *out = (uint32_t)i;
    return true;
}

static bool rd_double(sl_cur *c, double *out)
{
    sl_num v;
    if (!sl_number(c, &v) || !isfinite(v.d))
        return false;
    *out = v.d;
    return true;
}

/* { "a", "b", ... } into l; with allow_int, integers too, as their decimal text. */
static bool rd_strlist(sl_cur *c, sim_strlist *l, bool allow_int)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    while (list_next(c, &more) && more) {
        char *s = NULL;
        char num[32];
        sl_num v;
        if (sl_peek(c, '"') || sl_peek(c, '\'')) {
            if (!sl_cstring(c, &s))
                return false;
        } else if (allow_int && sl_number(c, &v) && v.isint) {
            snprintf(num, sizeof num, "%lld", (long long)v.i);
        } else {
            return false;
        }
        int rc = sim_strlist_push(l, s ? s : num);
        free(s);
        if (rc != 0 || !sl_field_end(c))
            return false;
    }
    return true;
}

/* ---- settings and runtime ---- */

static bool rd_settings(sl_cur *c, sim_machine *m)
{
    if (!sl_punct(c, '{'))
        return false;
    unsigned seen = 0;
    double clock = m->clock, window = m->delete_window;
    bool admin = m->admin;
    char *os = NULL;
    bool ok = true;
    FIELDS(c) {
        if (SL_IS(k, n, "clock"))
            ok = once(&seen, 1) && rd_double(c, &clock);
        else if (SL_IS(k, n, "delete_window"))
            ok = once(&seen, 2) && rd_double(c, &window);
        else if (SL_IS(k, n, "admin"))
            ok = once(&seen, 4) && sl_bool(c, &admin);
        else if (SL_IS(k, n, "os"))
            ok = once(&seen, 8) && sl_cstring(c, &os);
        else
            ok = false;
        if (!ok || !sl_field_end(c))
            break;
    }
    if (!done || !ok || window < 0) {
        free(os);
        return false;
    }
    m->clock = clock;
    m->delete_window = window;
    m->admin = admin;
    m->os = os;
    return true;
}

static bool rd_window(sl_cur *c, sim_machine *m)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    while (list_next(c, &more) && more) {
        if (!sl_punct(c, '{'))
            return false;
        unsigned seen = 0;
        char *name = NULL;
        double ends = 0;
        bool ok = true;
        FIELDS(c) {
            if (SL_IS(k, n, "name"))
                ok = once(&seen, 1) && sl_cstring(c, &name);
            else if (SL_IS(k, n, "ends"))
                ok = once(&seen, 2) && rd_double(c, &ends);
            else
                ok = false;
            if (!ok || !sl_field_end(c))
                break;
        }
        if (done && ok && name)
            sim_window_add(m, name, ends);
        free(name);
        if (!done || !ok || !(seen & 1) || !sl_field_end(c))
            return false;
    }
    return true;
}

static bool rd_runtime(sl_cur *c, sim_machine *m, uint32_t *next_pid)
{
    if (!sl_punct(c, '{'))
        return false;
    unsigned seen = 0;
    bool ok = true;
    FIELDS(c) {
        char seed[64];
        if (SL_IS(k, n, "boot_count")) {
            ok = once(&seen, 1) && rd_u32(c, &m->boot_count);
        } else if (SL_IS(k, n, "next_pid")) {
            ok = once(&seen, 2) && rd_u32(c, next_pid);
        } else if (SL_IS(k, n, "guid_seed")) {
            ok = once(&seen, 4) && sl_string_buf(c, seed, sizeof seed);
            if (ok) {
                char *end;
                unsigned long long v = strtoull(seed, &end, 16);
                ok = *seed && !*end && strlen(seed) <= 16;
                m->guid_rng = (uint64_t)v;
            }
        } else if (SL_IS(k, n, "delete_window")) {
            ok = once(&seen, 8) && rd_window(c, m);
        } else {
            ok = false;
        }
        if (!ok || !sl_field_end(c))
            break;
    }
    return done && ok;
}

/* ---- keyed sections: services and the registry, applied in sorted order as Lua's loader does ---- */

typedef struct entry {
    char *name;
    const char *value;         /* where its value starts in the text */
} entry;

static int by_entry_name(const void *a, const void *b)
{
    return sim_name_cmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static void entries_free(entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

/* The keys of a table (`["x"] = v` or `x = v`) with where their values start, sorted; false on a
 * key with a NUL, a repeated key or anything else. */
static bool rd_entries(sl_cur *c, entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (!sl_punct(c, '{'))
        return false;
    entry *v = NULL;
    size_t nv = 0, cap = 0;
    bool ok = true;
    while (ok && !sl_punct(c, '}')) {
        char *name = NULL;
        const char *k;
        size_t n;
        if (sl_punct(c, '[')) {
            ok = sl_cstring(c, &name) && sl_punct(c, ']');
        } else if (sl_name(c, &k, &n)) {
            name = malloc(n + 1);
            if ((ok = name != NULL)) {
                memcpy(name, k, n);
                name[n] = '\0';
            }
        } else {
            ok = false;
        }
        if (ok && nv == cap) {
            cap = cap ? cap * 2 : 16;
            entry *grown = realloc(v, cap * sizeof *grown);
            if (grown)
                v = grown;
            else
                ok = false;
        }
        if (!ok || !sl_punct(c, '=')) {
            free(name);
            ok = false;
            break;
        }
        v[nv].name = name;
        v[nv++].value = c->p;
        ok = sl_skip_value(c, DEPTH) && sl_field_end(c);
    }
    if (ok && nv)
        qsort(v, nv, sizeof *v, by_entry_name);
    for (size_t i = 1; ok && i < nv; i++)
        ok = strcmp(v[i - 1].name, v[i].name) != 0;
    if (!ok) {
        entries_free(v, nv);
        return false;
    }
    *out = v;
    *count = nv;
    return true;
}

static bool rd_service(sl_cur *c, sc_ctx *x, const char *name, bool fresh)
{
    if (!sl_punct(c, '{'))
        return false;
    unsigned seen = 0;
    char *display = NULL;
    char state[32], start[32];
    uint32_t pid = 0;
    sim_strlist deps = { 0 };
    bool ok = true;
    FIELDS(c) {
        if (SL_IS(k, n, "display_name"))
            ok = once(&seen, 1) && sl_cstring(c, &display);
        else if (SL_IS(k, n, "state"))
            ok = once(&seen, 2) && sl_string_buf(c, state, sizeof state);
        else if (SL_IS(k, n, "start_type"))
            ok = once(&seen, 4) && sl_string_buf(c, start, sizeof start);
        else if (SL_IS(k, n, "pid"))
            ok = once(&seen, 8) && rd_u32(c, &pid);
        else if (SL_IS(k, n, "depends_on"))
            ok = once(&seen, 16) && rd_strlist(c, &deps, false);
        else
            ok = false;
        if (!ok || !sl_field_end(c))
            break;
    }
    if (!done || !ok) {
        free(display);
        sim_strlist_free(&deps);
        return false;
    }
    return sc_service_apply(x, name, fresh, display, (seen & 2) ? state : NULL, (seen & 4) ? start : NULL, pid,
                            (seen & 16) != 0, &deps) == 0;
}

static bool rd_services(sl_cur *c, sc_ctx *x)
{
    entry *v;
    size_t nv;
    if (!rd_entries(c, &v, &nv))
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < nv; i++) {
        if (i && mend_ascii_casecmp(v[i - 1].name, v[i].name) == 0) {
            ok = false;
            break;
        }
        sl_cur at = { v[i].value, c->end };
        ok = rd_service(&at, x, v[i].name, sim_service_find(x->m, v[i].name) == NULL);
    }
    entries_free(v, nv);
    return ok;
}

/* { "a", "b", } as REG_MULTI_SZ bytes; the '{' is already read. */
static bool rd_multi_sz(sl_cur *c, unsigned char **out, size_t *size)
{
    mend_buf b = { 0 };
    bool more, ok = true;
    while (ok && list_next(c, &more) && more) {
        char *s = NULL;
        ok = (sl_peek(c, '"') || sl_peek(c, '\'')) && sl_cstring(c, &s) && sl_field_end(c);
        if (ok)
            mend_buf_add(&b, s, strlen(s) + 1);
        free(s);
    }
    mend_buf_add(&b, "", 1);   /* the loader's one byte past the data */
    if (!ok || b.failed) {
        free(b.p);
        return false;
    }
    *out = (unsigned char *)b.p;
    *size = b.len - 1;
    return true;
}

static bool u32_data(const sl_num *v, uint32_t *out)
{
    int64_t i;
    if (!sl_num_int(v, &i) || i < 0 || i > (int64_t)UINT32_MAX)
        return false;
    *out = (uint32_t)i;
    return true;
}

/* { type = "REG_...", data = ... } or { type = N, hex = "..." }; the '{' is already read. */
static bool rd_typed(sl_cur *c, uint32_t *type, unsigned char **data, size_t *size)
{
    unsigned seen = 0;
    char *hex = NULL;
    const char *data_at = NULL;
    bool ok = true;
    FIELDS(c) {
        if (SL_IS(k, n, "type")) {
            char name[40];
            sl_num v;
            ok = once(&seen, 1);
            if (ok && (sl_peek(c, '"') || sl_peek(c, '\''))) {
                int t = sl_string_buf(c, name, sizeof name) ? mend_reg_type_from_name(name) : -1;
                ok = t >= 0;
                *type = (uint32_t)t;
            } else if (ok) {
                ok = sl_number(c, &v) && v.isint && v.i >= 0 && v.i <= (int64_t)UINT32_MAX;
                if (ok)
                    *type = (uint32_t)v.i;
            }
        } else if (SL_IS(k, n, "hex")) {
            ok = once(&seen, 2) && sl_cstring(c, &hex);
        } else if (SL_IS(k, n, "data")) {
            ok = once(&seen, 4);
            data_at = c->p;
            ok = ok && sl_skip_value(c, DEPTH);
        } else {
            ok = false;
        }
        if (!ok || !sl_field_end(c))
            break;
    }
    if (!done || !ok || !(seen & 1)) {
        free(hex);
        return false;
    }
    if (hex) {
        char bad;
        ok = sc_hex_decode(hex, data, size, &bad) == 0;
        free(hex);
        return ok;
    }
    if (!data_at)
        return false;
    sl_cur d = { data_at, c->end };
    sl_num v;
    uint32_t v32;
    unsigned char b[8];
    if (*type == MEND_REG_MULTI_SZ)
        return sl_punct(&d, '{') && rd_multi_sz(&d, data, size);
    if (*type == MEND_REG_QWORD) {
        if (!sl_number(&d, &v) || !v.isint)
            return false;
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)((uint64_t)v.i >> (8 * i));
        *size = 8;
    } else if (*type == MEND_REG_DWORD || *type == MEND_REG_DWORD_BIG_ENDIAN) {
        if (!sl_number(&d, &v) || !u32_data(&v, &v32))
            return false;
        bool be = *type == MEND_REG_DWORD_BIG_ENDIAN;
        for (int i = 0; i < 4; i++)
            b[i] = (unsigned char)(v32 >> (8 * (be ? 3 - i : i)));
        *size = 4;
    } else {
        char *s;
        return sl_string(&d, &s, size) && (*data = (unsigned char *)s) != NULL;
    }
    if (!(*data = malloc(*size + 1)))
        return false;
    memcpy(*data, b, *size);
    return true;
}

static bool rd_value(sl_cur *c, sim_regkey *k, const char *name)
{
    bool b;
    sl_num v;
    uint32_t v32;
    if (sl_bool(c, &b)) {
        if (b)
            return false;
        sim_reg_remove_value(k, name);
        return true;
    }
    unsigned char *data = NULL;
    size_t size = 0;
    uint32_t type = MEND_REG_SZ;
    if (sl_peek(c, '"') || sl_peek(c, '\'')) {
        char *s;
        if (!sl_string(c, &s, &size))
            return false;
        data = (unsigned char *)s;
    } else if (sl_punct(c, '{')) {
        bool typed = !(sl_peek(c, '}') || sl_peek(c, '"') || sl_peek(c, '\''));
        type = MEND_REG_MULTI_SZ;
        if (!(typed ? rd_typed(c, &type, &data, &size) : rd_multi_sz(c, &data, &size)))
            return false;
    } else if (sl_number(c, &v)) {
        return u32_data(&v, &v32) && sim_reg_put_dword(k, name, v32) == 0;
    } else {
        return false;
    }
    int rc = sim_reg_put(k, name, type, data, size);
    free(data);
    return rc == 0;
}

static bool rd_key(sl_cur *c, sc_ctx *x, const char *path)
{
    bool b;
    sim_regkey *k;
    if (sl_bool(c, &b))
        return !b && sc_reg_key(x, path, true, &k) == 0;
    if (!sl_peek(c, '{'))
        return false;
    entry *v;
    size_t nv;
    if (!rd_entries(c, &v, &nv))
        return false;
    bool ok = sc_reg_key(x, path, false, &k) == 0;
    for (size_t i = 0; ok && i < nv; i++) {
        sl_cur at = { v[i].value, c->end };
        ok = rd_value(&at, k, v[i].name);
    }
    entries_free(v, nv);
    return ok;
}

static bool rd_registry(sl_cur *c, sc_ctx *x)
{
    entry *v;
    size_t nv;
    if (!rd_entries(c, &v, &nv))
        return false;
    bool ok = true;
    for (size_t i = 0; ok && i < nv; i++) {
        sl_cur at = { v[i].value, c->end };
        ok = rd_key(&at, x, v[i].name);
    }
    entries_free(v, nv);
    return ok;
}

/* ---- lists of records ---- */

static bool rd_processes(sl_cur *c, sc_ctx *x)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    for (size_t i = 1; list_next(c, &more) && more; i++) {
        if (!sl_punct(c, '{'))
            return false;
        unsigned seen = 0;
        uint32_t pid = UINT32_MAX, ppid = 0;
        bool autostart = true, running = true, critical = false, prot = false, client = false;
        char *name = NULL, *path = NULL;
        bool ok = true;
        FIELDS(c) {
            if (SL_IS(k, n, "pid"))
                ok = once(&seen, 1) && rd_u32(c, &pid);
            else if (SL_IS(k, n, "ppid"))
                ok = once(&seen, 2) && rd_u32(c, &ppid);
            else if (SL_IS(k, n, "name"))
                ok = once(&seen, 4) && sl_cstring(c, &name);
            else if (SL_IS(k, n, "path"))
                ok = once(&seen, 8) && sl_cstring(c, &path);
            else if (SL_IS(k, n, "autostart"))
                ok = once(&seen, 16) && sl_bool(c, &autostart);
            else if (SL_IS(k, n, "running"))
                ok = once(&seen, 32) && sl_bool(c, &running);
            else if (SL_IS(k, n, "critical"))
                ok = once(&seen, 64) && sl_bool(c, &critical);
            else if (SL_IS(k, n, "ipsec_client"))
                ok = once(&seen, 128) && sl_bool(c, &client);
            else if (SL_IS(k, n, "protected"))
                ok = once(&seen, 256) && sl_bool(c, &prot);
            else
                ok = false;
            if (!ok || !sl_field_end(c))
                break;
        }
        if (ok && done && !path && !(path = mend_strdup("")))
            ok = false;
        if (!done || !ok) {
            free(name);
            free(path);
            return false;
        }
        if (sc_process_add(x, i, pid, name, path, ppid, autostart, running, critical, prot,
                           (seen & 128) ? client : -1) != 0 || !sl_field_end(c))
            return false;
    }
    return true;
}

static bool rd_keywords(sl_cur *c, sim_nic *nic)
{
    if (!sl_punct(c, '{'))
        return false;
    unsigned seen = 0;
    bool ok = true;
    for (int i = 0; i < SIM_NIC_NKW; i++)
        nic->kw[i] = -1;
    FIELDS(c) {
        int which = -1;
        for (int i = 0; i < SIM_NIC_NKW; i++)
            if (n == strlen(sim_nic_keywords[i]) && memcmp(k, sim_nic_keywords[i], n) == 0)
                which = i;
        uint32_t v;
        ok = which >= 0 && once(&seen, 1u << which) && rd_u32(c, &v) && v <= 3;
        if (ok)
            nic->kw[which] = (int)v;
        if (!ok || !sl_field_end(c))
            break;
    }
    return done && ok;
}

static bool rd_nics(sl_cur *c, sc_ctx *x)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    for (size_t i = 1; list_next(c, &more) && more; i++) {
        if (!sl_punct(c, '{'))
            return false;
        sim_nic *grown = realloc(x->m->nic, (x->m->nnic + 1) * sizeof *grown);
        if (!grown)
            return false;
        x->m->nic = grown;
        sim_nic *nic = &grown[x->m->nnic];
        memset(nic, 0, sizeof *nic);
        unsigned seen = 0;
        bool off = false, ok = true;
        FIELDS(c) {
            if (SL_IS(k, n, "name"))
                ok = once(&seen, 1) && sl_cstring(c, &nic->name);
            else if (SL_IS(k, n, "description"))
                ok = once(&seen, 2) && sl_cstring(c, &nic->description);
            else if (SL_IS(k, n, "ipsec_offload"))
                ok = once(&seen, 4) && sl_bool(c, &off);
            else if (SL_IS(k, n, "keywords"))
                ok = once(&seen, 8) && rd_keywords(c, nic);
            else
                ok = false;
            if (!ok || !sl_field_end(c))
                break;
        }
        if (ok && done && !nic->description && !(nic->description = mend_strdup("")))
            ok = false;
        if (!done || !ok) {
            free(nic->name);
            free(nic->description);
            return false;
        }
        x->m->nnic++;
        if (sc_nic_finish(x, i, nic, (seen & 4) != 0, off, (seen & 8) != 0) != 0 || !sl_field_end(c))
            return false;
    }
    return true;
}

static bool rd_blockers(sl_cur *c, unsigned *bits, bool *stale, bool *assigned)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    while (list_next(c, &more) && more) {
        char b[32];
        if (!(sl_peek(c, '"') || sl_peek(c, '\'')) || !sl_string_buf(c, b, sizeof b) ||
            sc_blocker(b, bits, stale, assigned) != 0 || !sl_field_end(c))
            return false;
    }
    return true;
}

static bool rd_policy(sl_cur *c, sc_ctx *x, size_t i, sim_map *names, size_t *assigned_at)
{
    if (!sl_punct(c, '{'))
        return false;
    sim_policy *p = calloc(1, sizeof *p);
    if (!p)
        return false;
    p->gpo_assigned = true;
    char guid[SIM_GUID_LEN + 2], state[32], source[32];
    sc_policy_in in = { NULL, "active", "local", false, false, false };
    unsigned seen = 0;
    bool ok = true;
    FIELDS(c) {
        switch (k[0]) {
        case 'n':
            ok = SL_IS(k, n, "name") && once(&seen, 1) && sl_cstring(c, &p->name);
            break;
        case 'g':
            if (SL_IS(k, n, "guid") && (ok = once(&seen, 2) && sl_string_buf(c, guid, sizeof guid)))
                in.guid = guid;
            else if (SL_IS(k, n, "gpo"))
                ok = once(&seen, 4) && sl_cstring(c, &p->gpo);
            else
                ok = SL_IS(k, n, "gpo_assigned") && once(&seen, 8) && sl_bool(c, &p->gpo_assigned);
            break;
        case 'd':
            if (SL_IS(k, n, "description"))
                ok = once(&seen, 16) && sl_cstring(c, &p->description);
            else
                ok = SL_IS(k, n, "delete_accepted") && once(&seen, 32) && sl_bool(c, &in.accepted);
            break;
        case 's':
            if (SL_IS(k, n, "state") && (ok = once(&seen, 64) && sl_string_buf(c, state, sizeof state)))
                in.state = state;
            else if (SL_IS(k, n, "source") && (ok = once(&seen, 128) && sl_string_buf(c, source, sizeof source)))
                in.source = source;
            else
                ok = SL_IS(k, n, "sa_count") && once(&seen, 256) && rd_u32(c, &p->sa_count);
            break;
        case 'a':
            ok = SL_IS(k, n, "assigned") && once(&seen, 512) && sl_bool(c, &in.assigned);
            break;
        case 'b':
            ok = SL_IS(k, n, "blockers") && once(&seen, 1024) && rd_blockers(c, &p->blockers, &in.stale, &in.assigned);
            break;
        case 'f':
            if (SL_IS(k, n, "filter_list"))
                ok = once(&seen, 2048) && sl_cstring(c, &p->filter_list);
            else
                ok = SL_IS(k, n, "filter_action") && once(&seen, 4096) && sl_cstring(c, &p->filter_action);
            break;
        default:
            ok = false;
        }
        if (!ok || !sl_field_end(c))
            break;
    }
    if (ok && done && !p->description && !(p->description = mend_strdup("")))
        ok = false;
    if (!done || !ok) {
        sc_policy_free(p);
        return false;
    }
    return sc_policy_add(x, i, p, &in, names, assigned_at) == 0;
}

static bool rd_policies(sl_cur *c, sc_ctx *x)
{
    if (!sl_punct(c, '{'))
        return false;
    sim_map names;
    sim_map_init(&names, false);
    size_t assigned_at = 0;
    bool more, ok = true;
    for (size_t i = 1; ok && list_next(c, &more) && more; i++)
        ok = rd_policy(c, x, i, &names, &assigned_at) && sl_field_end(c);
    sim_map_free(&names);
    return ok;
}

static bool rd_handles(sl_cur *c, sc_ctx *x)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    for (size_t i = 1; list_next(c, &more) && more; i++) {
        if (!sl_punct(c, '{'))
            return false;
        unsigned seen = 0;
        uint32_t pid = UINT32_MAX, access = 0;
        double value = -1;
        char *policy = NULL, *type = NULL, *name = NULL;
        bool ok = true;
        FIELDS(c) {
            if (SL_IS(k, n, "pid"))
                ok = once(&seen, 1) && rd_u32(c, &pid);
            else if (SL_IS(k, n, "policy"))
                ok = once(&seen, 2) && sl_cstring(c, &policy);
            else if (SL_IS(k, n, "type"))
                ok = once(&seen, 4) && sl_cstring(c, &type);
            else if (SL_IS(k, n, "name"))
                ok = once(&seen, 8) && sl_cstring(c, &name);
            else if (SL_IS(k, n, "handle"))
                ok = once(&seen, 16) && rd_double(c, &value);
            else if (SL_IS(k, n, "access"))
                ok = once(&seen, 32) && rd_u32(c, &access);
            else
                ok = false;
            if (!ok || !sl_field_end(c))
                break;
        }
        ok = ok && done && sc_handle_add(x, i, pid, policy, type, name, value, (seen & 32) != 0, access) == 0;
        free(policy);
        free(type);
        free(name);
        if (!ok || !sl_field_end(c))
            return false;
    }
    return true;
}

static bool rd_faults(sl_cur *c, sc_ctx *x)
{
    if (!sl_punct(c, '{'))
        return false;
    unsigned seen = 0;
    uint32_t crash = 0;
    bool ok = true;
    FIELDS(c) {
        if (SL_IS(k, n, "ignore_stop"))
            ok = once(&seen, 1) && rd_strlist(c, &x->m->ignore_stop, false);
        else if (SL_IS(k, n, "access_denied"))
            ok = once(&seen, 2) && rd_strlist(c, &x->m->access_denied, false);
        else if (SL_IS(k, n, "unkillable"))
            ok = once(&seen, 4) && rd_strlist(c, &x->m->unkillable, true);
        else if (SL_IS(k, n, "crash_after"))
            ok = once(&seen, 8) && rd_u32(c, &crash);
        else
            ok = false;
        if (!ok || !sl_field_end(c))
            break;
    }
    if (!done || !ok)
        return false;
    x->m->crash_after = (long)crash;
    return sc_faults_check(x) == 0;
}

/* Every field given, as mend writes them (the Lua loader has the defaults for hand-written ones). */
static bool rd_events(sl_cur *c, sim_machine *m)
{
    if (!sl_punct(c, '{'))
        return false;
    bool more;
    while (list_next(c, &more) && more) {
        if (!sl_punct(c, '{'))
            return false;
        unsigned seen = 0;
        mend_event ev = { 0 };
        bool ok = true;
        FIELDS(c) {
            if (SL_IS(k, n, "time"))
                ok = once(&seen, 1) && rd_double(c, &ev.time);
            else if (SL_IS(k, n, "id"))
                ok = once(&seen, 2) && rd_u32(c, &ev.id);
            else if (SL_IS(k, n, "code"))
                ok = once(&seen, 4) && rd_u32(c, &ev.code);
            else if (SL_IS(k, n, "source"))
                ok = once(&seen, 8) && sl_cstring(c, &ev.source);
            else if (SL_IS(k, n, "policy"))
                ok = once(&seen, 16) && sl_cstring(c, &ev.policy);
            else if (SL_IS(k, n, "message"))
                ok = once(&seen, 32) && sl_cstring(c, &ev.message);
            else
                ok = false;
            if (!ok || !sl_field_end(c))
                break;
        }
        if (!done || !ok || seen != 63 || !ev.policy[0]) {
            free(ev.source);
            free(ev.policy);
            free(ev.message);
            return false;
        }
        if (sim_events_add(m, &ev) != 0 || !sl_field_end(c))
            return false;
    }
    return true;
}

/* ---- the whole state ---- */

/* Where each section's value starts (NULL: absent); false unless the text is
 * `return { section = VALUE, ... }` and nothing after. */
static bool sections(sl_cur *c, const char *at[S_N], const char *stop[S_N])
{
    const char *k;
    size_t n;
    if (!sl_name(c, &k, &n) || !SL_IS(k, n, "return") || !sl_punct(c, '{'))
        return false;
    while (!sl_punct(c, '}')) {
        if (!sl_name(c, &k, &n) || !sl_punct(c, '='))
            return false;
        int s = 0;
        while (s < S_N && !(n == strlen(section_names[s]) && memcmp(k, section_names[s], n) == 0))
            s++;
        if (s == S_N || at[s])
            return false;
        at[s] = c->p;
        if (!(sl_peek(c, '{') ? sl_skip_table(c) : sl_skip_value(c, DEPTH)))
            return false;
        stop[s] = c->p;
        if (!sl_field_end(c))
            return false;
    }
    return sl_at_end(c);
}

static bool build(sc_ctx *x, const char *const at[S_N], const char *const stop[S_N], const char *end)
{
    sim_machine *m = x->m;
    uint32_t next_pid = 0;
    sl_cur c[S_N];
    for (int s = 0; s < S_N; s++) {
        c[s].p = at[s];
        c[s].end = end;
    }
    sim_reg_default_tree(m);
    for (int s = 0; s < S_N; s++) {
        if (s == S_SERVICES)
            sim_services_defaults(m);
        bool ok = true;
        if (at[s]) {
            switch (s) {
            case S_SETTINGS: ok = rd_settings(&c[s], m); break;
            case S_RUNTIME: ok = rd_runtime(&c[s], m, &next_pid); break;
            case S_SERVICES: ok = rd_services(&c[s], x); break;
            case S_PROCESSES: ok = rd_processes(&c[s], x); break;
            case S_NICS: ok = rd_nics(&c[s], x); break;
            case S_POLICIES: ok = rd_policies(&c[s], x); break;
            case S_HANDLES: ok = rd_handles(&c[s], x); break;
            case S_REGISTRY: ok = rd_registry(&c[s], x); break;
            case S_FAULTS: ok = rd_faults(&c[s], x); break;
            default: ok = rd_events(&c[s], m); break;
            }
            ok = ok && sl_at(&c[s], stop[s]);   /* read exactly as far as the scan found */
        }
        if (s == S_SERVICES && ok)
            ok = sc_services_check(x) == 0;
        if (!ok)
            return false;
    }
    sc_machine_finish(m, next_pid);
    return true;
}

int sim_state_read(const char *buf, size_t len, sim_machine **out)
{
    *out = NULL;
    size_t hlen = strlen(SIM_STATE_HEADER);
    if (len < hlen || memcmp(buf, SIM_STATE_HEADER, hlen) != 0)
        return 1;
    sl_cur c = { buf + hlen, buf + len };
    const char *at[S_N] = { 0 }, *stop[S_N] = { 0 };
    if (!sections(&c, at, stop))
        return 1;
    mend_err e;
    sc_ctx x = { NULL, sim_machine_new(), &e, false };
    if (!x.m)
        return 1;
    if (!build(&x, at, stop, buf + len)) {
        sim_machine_free(x.m);
        return 1;
    }
    *out = x.m;
    return 0;
}
