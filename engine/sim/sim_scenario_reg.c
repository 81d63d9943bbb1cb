/* Scenario sections with keyed tables: services (with dependency checks) and registry values. */
#include "sim_scenario_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_scenario_registry(sc_ctx *c, int t);
int sim_scenario_services(sc_ctx *c, int t);
void sim_scenario_service_pids(sim_machine *m);

static int cmp_str(const void *a, const void *b)
{
    return sim_name_cmp(*(char *const *)a, *(char *const *)b);
}

/* The string keys of the table on top, sorted (malloc'd copies); non-string keys fail. */
static int sorted_keys(sc_ctx *c, const char *where, char ***out, size_t *n)
{
    char **a = NULL;
    size_t k = 0, cap = 0;
    int rc = 0;
    lua_pushnil(c->L);
    while (rc == 0 && lua_next(c->L, -2)) {
        lua_pop(c->L, 1);
        size_t len;
        const char *s = lua_type(c->L, -1) == LUA_TSTRING ? lua_tolstring(c->L, -1, &len) : NULL;
        if (!s)
            rc = sc_fail(c, "%s: keys must be strings", where);
        else if (strlen(s) != len)
            rc = sc_fail(c, "%s: a key contains a NUL byte", where);
        else if (k == cap) {
            cap = cap ? cap * 2 : 16;
            char **grown = realloc(a, cap * sizeof *grown);
            if (grown)
                a = grown;
            else
                rc = sc_oom(c);
        }
        if (rc == 0 && !(a[k++] = mend_strdup(s)))
            rc = sc_oom(c);
        if (rc != 0)
            lua_pop(c->L, 1);   /* the key lua_next left */
    }
    if (rc != 0) {
        mend_string_free_list(a, k);
        *out = NULL;
        *n = 0;
        return -1;
    }
    if (k)
        qsort(a, k, sizeof *a, cmp_str);
    *out = a;
    *n = k;
    return 0;
}

/* ---- services ---- */

static int parse_state(const char *s, mend_svc_state *out)
{
    for (int i = MEND_SVC_STOPPED; i <= MEND_SVC_PAUSED; i++)
        if (strcmp(s, mend_svc_state_name((mend_svc_state)i)) == 0) {
            *out = (mend_svc_state)i;
            return 0;
        }
    return -1;
}

static int parse_start(const char *s, mend_svc_start *out)
{
    for (int i = MEND_START_BOOT; i <= MEND_START_DISABLED; i++)
        if (strcmp(s, mend_svc_start_name((mend_svc_start)i)) == 0) {
            *out = (mend_svc_start)i;
            return 0;
        }
    return -1;
}

int sc_service_apply(sc_ctx *c, const char *name, bool fresh, char *display, const char *state,
                     const char *start, uint32_t pid, bool has_deps, sim_strlist *deps)
{
    char where[128];
    snprintf(where, sizeof where, "services.%.100s", name);
    if (!state && fresh)
        state = "running";
    if (!start && fresh)
        start = "auto";
    mend_svc_state st = MEND_SVC_RUNNING;
    mend_svc_start sty = MEND_START_AUTO;
    int rc = 0;
    if (state && parse_state(state, &st) != 0)
        rc = sc_fail(c, "%s.state: expected 'running', 'stopped', 'start_pending', 'stop_pending', "
                     "'continue_pending', 'pause_pending' or 'paused', got '%.40s'", where, state);
    if (!rc && start && parse_start(start, &sty) != 0)
        rc = sc_fail(c, "%s.start_type: expected 'auto', 'demand', 'disabled', 'boot' or 'system', got '%.40s'",
                     where, start);
    sim_service *s = NULL;
    if (!rc && !(s = sim_service_add(c->m, name)))
        rc = sc_oom(c);
    if (!rc) {
        if (display) {
            free(s->display_name);
            s->display_name = display;
            display = NULL;
        }
        if (state)
            s->state = st;
        if (start)
            s->start_type = sty;
        s->pid = pid;
        if (has_deps) {
            for (size_t i = 0; i < s->ndeps; i++)
                free(s->depends_on[i]);
            free(s->depends_on);
            s->depends_on = deps->v;
            s->ndeps = deps->n;
            deps->v = NULL;
            deps->n = 0;
        }
    }
    free(display);
    sim_strlist_free(deps);
    return rc ? -1 : 0;
}

static int load_service(sc_ctx *c, const char *name, bool fresh)
{
    static const char *const keys[] = { "display_name", "state", "start_type", "pid", "depends_on", NULL };
    char where[128];
    snprintf(where, sizeof where, "services.%.100s", name);
    if (lua_type(c->L, -1) != LUA_TTABLE)
        return sc_fail(c, "%s: expected a table, got %s", where, luaL_typename(c->L, -1));
    int x = lua_gettop(c->L);
    char *display = NULL, *state = NULL, *start = NULL;
    uint32_t pid = 0;
    sim_strlist deps = { 0 };
    bool has_deps = false;
    lua_pushstring(c->L, "depends_on");
    has_deps = lua_rawget(c->L, x) != LUA_TNIL;
    lua_pop(c->L, 1);
    int rc = sc_check_keys(c, x, where, keys) || sc_opt_string(c, x, where, "display_name", &display, NULL) ||
             sc_opt_string(c, x, where, "state", &state, NULL) ||
             sc_opt_string(c, x, where, "start_type", &start, NULL) ||
             sc_opt_u32(c, x, where, "pid", &pid) ||
             sc_string_list(c, x, where, "depends_on", &deps, false);
    if (rc) {
        free(display);
        sim_strlist_free(&deps);
    } else {
        rc = sc_service_apply(c, name, fresh, display, state, start, pid, has_deps, &deps);
    }
    free(state);
    free(start);
    return rc ? -1 : 0;
}

/* 0 = unvisited, 1 = on the current path, 2 = done. */
static int visit(sc_ctx *c, sim_service *s, sim_map *marks, unsigned depth)
{
    uintptr_t mark = (uintptr_t)sim_map_get(marks, s->name);
    if (mark == 2)
        return 0;
    if (depth > 64)
        return sc_fail(c, "services.%.100s.depends_on: dependency chains deeper than 64 services are not supported",
                       s->name);
    if (mark == 1)
        return sc_fail(c, "services.%.100s.depends_on: the dependencies form a cycle", s->name);
    sim_map_put(marks, s->name, (void *)(uintptr_t)1);
    for (size_t i = 0; i < s->ndeps; i++) {
        sim_service *d = sim_service_find(c->m, s->depends_on[i]);
        if (!d)
            return sc_fail(c, "services.%.100s.depends_on: no service named '%.80s'", s->name, s->depends_on[i]);
        if (visit(c, d, marks, depth + 1) != 0)
            return -1;
    }
    sim_map_put(marks, s->name, (void *)(uintptr_t)2);
    return 0;
}

int sc_services_check(sc_ctx *c)
{
    sim_map marks;
    sim_map_init(&marks, true);
    int rc = 0;
    for (size_t i = 0; i < c->m->nsvc && !rc; i++)
        rc = visit(c, c->m->svc[i], &marks, 0);
    sim_map_free(&marks);
    return rc;
}

int sim_scenario_services(sc_ctx *c, int t)
{
    sim_services_defaults(c->m);
    int has = sc_open_table(c, t, "services");
    if (has < 0)
        return -1;
    if (has) {
        char **names;
        size_t n;
        if (sorted_keys(c, "services", &names, &n) != 0)
            return -1;
        int rc = 0;
        for (size_t i = 0; i < n && !rc; i++) {
            if (i && mend_ascii_casecmp(names[i - 1], names[i]) == 0) {
                rc = sc_fail(c, "services: '%.80s' and '%.80s' name the same service", names[i - 1], names[i]);
                break;
            }
            bool fresh = sim_service_find(c->m, names[i]) == NULL;
            lua_pushstring(c->L, names[i]);
            lua_rawget(c->L, -2);
            rc = load_service(c, names[i], fresh);
            lua_pop(c->L, 1);
        }
        mend_string_free_list(names, n);
        if (rc)
            return -1;
        lua_pop(c->L, 1);
    }
    return sc_services_check(c);
}

static int by_name(const void *a, const void *b)
{
    return sim_name_cmp((*(sim_service *const *)a)->name, (*(sim_service *const *)b)->name);
}

void sim_scenario_service_pids(sim_machine *m)
{
    for (size_t i = 0; i < m->nsvc; i++) {
        sim_service *s = m->svc[i];
        if (s->state == MEND_SVC_STOPPED)
            s->pid = 0;
        if (s->pid >= m->next_pid)
            m->next_pid = (s->pid + 4) & ~3u;
    }
    sim_service **order = malloc((m->nsvc + 1) * sizeof *order);
    if (!order)
        return;
    if (m->nsvc)
        memcpy(order, m->svc, m->nsvc * sizeof *order);
    qsort(order, m->nsvc, sizeof *order, by_name);
    for (size_t i = 0; i < m->nsvc; i++)
        if (order[i]->state != MEND_SVC_STOPPED && !order[i]->pid)
            order[i]->pid = sim_alloc_pid(m);
    free(order);
}

/* ---- registry ---- */

static int rawfield(lua_State *L, int t, const char *key)
{
    t = lua_absindex(L, t);
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

int sc_hex_decode(const char *s, unsigned char **out, size_t *n, char *bad)
{
    unsigned char *b = malloc(strlen(s) / 2 + 1);
    if (!b)
        return -1;
    size_t k = 0;
    int hi = -1;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == ',' || *p == ':' || *p == '\n' || *p == '\t')
            continue;
        int v = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
              : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10 : -1;
        if (v < 0) {
            free(b);
            *bad = *p;
            return -2;
        }
        if (hi < 0) {
            hi = v;
        } else {
            b[k++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        free(b);
        return -3;
    }
    *out = b;
    *n = k;
    return 0;
}

static int parse_hex(sc_ctx *c, const char *where, const char *s, unsigned char **out, size_t *n)
{
    char bad = 0;
    int rc = sc_hex_decode(s, out, n, &bad);
    if (rc == -1)
        return sc_oom(c);
    if (rc == -2)
        return sc_fail(c, "%s.hex: '%c' is not a hex digit", where, bad);
    if (rc == -3)
        return sc_fail(c, "%s.hex: odd number of hex digits", where);
    return 0;
}

/* A list of strings on top of the stack, encoded as MULTI_SZ. */
static int multi_sz(sc_ctx *c, const char *where, unsigned char **out, size_t *n)
{
    size_t len = (size_t)lua_rawlen(c->L, -1), total = 0;
    for (size_t i = 1; i <= len; i++) {
        if (lua_rawgeti(c->L, -1, (lua_Integer)i) != LUA_TSTRING) {
            const char *tn = luaL_typename(c->L, -1);
            lua_pop(c->L, 1);
            return sc_fail(c, "%s[%lu]: expected a string, got %s", where, (unsigned long)i, tn);
        }
        size_t l;
        const char *s = lua_tolstring(c->L, -1, &l);
        if (strlen(s) != l) {
            lua_pop(c->L, 1);
            return sc_fail(c, "%s[%lu]: a REG_MULTI_SZ string cannot contain a NUL byte", where, (unsigned long)i);
        }
        total += l + 1;
        lua_pop(c->L, 1);
    }
    unsigned char *b = malloc(total + 1);
    if (!b)
        return sc_oom(c);
    size_t k = 0;
    for (size_t i = 1; i <= len; i++) {
        lua_rawgeti(c->L, -1, (lua_Integer)i);
        size_t l;
        const char *s = lua_tolstring(c->L, -1, &l);
        memcpy(b + k, s, l + 1);
        k += l + 1;
        lua_pop(c->L, 1);
    }
    *out = b;
    *n = total;
    return 0;
}

static int u32_data(sc_ctx *c, const char *where, uint32_t *v)
{
    int isint = 0;
    lua_Integer i = lua_tointegerx(c->L, -1, &isint);
    if (lua_type(c->L, -1) != LUA_TNUMBER || !isint || i < 0 || i > (lua_Integer)UINT32_MAX)
        return sc_fail(c, "%s: expected an integer from 0 to 4294967295", where);
    *v = (uint32_t)i;
    return 0;
}

/* The typed form { type = "REG_...", data = ... | hex = "..." } on top of the stack. */
static int typed_value(sc_ctx *c, const char *where, uint32_t *type, unsigned char **data, size_t *size)
{
    static const char *const keys[] = { "type", "data", "hex", NULL };
    int x = lua_gettop(c->L);
    if (sc_check_keys(c, x, where, keys) != 0)
        return -1;
    rawfield(c->L, x, "type");
    if (lua_type(c->L, -1) == LUA_TSTRING) {
        int tnum = mend_reg_type_from_name(lua_tostring(c->L, -1));
        if (tnum < 0)
            return sc_fail(c, "%s.type: unknown registry type '%.40s'", where, lua_tostring(c->L, -1));
        *type = (uint32_t)tnum;
    } else if (lua_isinteger(c->L, -1) && lua_tointeger(c->L, -1) >= 0 &&
               lua_tointeger(c->L, -1) <= (lua_Integer)UINT32_MAX) {
        *type = (uint32_t)lua_tointeger(c->L, -1);
    } else {
        return sc_fail(c, "%s.type: expected a type name such as \"REG_DWORD\" or a number", where);
    }
    lua_pop(c->L, 1);
    rawfield(c->L, x, "hex");
    if (!lua_isnil(c->L, -1)) {
        if (lua_type(c->L, -1) != LUA_TSTRING)
            return sc_fail(c, "%s.hex: expected a string of hex digits", where);
        int rc = parse_hex(c, where, lua_tostring(c->L, -1), data, size);
        lua_pop(c->L, 1);
        return rc;
    }
    lua_pop(c->L, 1);
    char f[320];
    snprintf(f, sizeof f, "%s.data", where);
    int dt = rawfield(c->L, x, "data");
    int rc = 0;
    unsigned char b[8];
    uint32_t v32 = 0;
    if (*type == MEND_REG_MULTI_SZ) {
        if (dt != LUA_TTABLE)
            return sc_fail(c, "%s: expected a list of strings, got %s", f, lua_typename(c->L, dt));
        rc = multi_sz(c, f, data, size);
    } else if (*type == MEND_REG_QWORD) {
        if (dt != LUA_TNUMBER || !lua_isinteger(c->L, -1))
            return sc_fail(c, "%s: expected an integer", f);
        uint64_t q = (uint64_t)lua_tointeger(c->L, -1);
        for (int i = 0; i < 8; i++)
            b[i] = (unsigned char)(q >> (8 * i));
        if (!(*data = malloc(9)))
            return sc_oom(c);
        memcpy(*data, b, 8);
        *size = 8;
    } else if (*type == MEND_REG_DWORD || *type == MEND_REG_DWORD_BIG_ENDIAN) {
        if (u32_data(c, f, &v32) != 0)
            return -1;
        bool be = *type == MEND_REG_DWORD_BIG_ENDIAN;
        for (int i = 0; i < 4; i++)
            b[i] = (unsigned char)(v32 >> (8 * (be ? 3 - i : i)));
        if (!(*data = malloc(5)))
            return sc_oom(c);
        memcpy(*data, b, 4);
        *size = 4;
    } else {
        if (dt != LUA_TSTRING)
            return sc_fail(c, "%s: expected a string, got %s (or give hex = \"...\")", f, lua_typename(c->L, dt));
        size_t l;
        const char *str = lua_tolstring(c->L, -1, &l);
        if (!(*data = malloc(l + 1)))
            return sc_oom(c);
        memcpy(*data, str, l + 1);
        *size = l;
    }
    if (rc == 0)
        lua_pop(c->L, 1);
    return rc;
}

static int load_value(sc_ctx *c, sim_regkey *k, const char *where, const char *name)
{
    char f[300];
    snprintf(f, sizeof f, "%s[\"%.80s\"]", where, name);
    int type = lua_type(c->L, -1);
    uint32_t rtype = MEND_REG_SZ;
    unsigned char *data = NULL;
    size_t size = 0;
    if (type == LUA_TBOOLEAN && !lua_toboolean(c->L, -1)) {
        sim_reg_remove_value(k, name);
        return 0;
    }
    if (type == LUA_TSTRING) {
        const char *s = lua_tolstring(c->L, -1, &size);
        if (!(data = malloc(size + 1)))
            return sc_oom(c);
        memcpy(data, s, size + 1);
    } else if (type == LUA_TNUMBER) {
        uint32_t v = 0;
        if (u32_data(c, f, &v) != 0)
            return -1;
        int rc = sim_reg_put_dword(k, name, v);
        return rc ? sc_oom(c) : 0;
    } else if (type == LUA_TTABLE) {
        rawfield(c->L, -1, "type");
        bool typed = !lua_isnil(c->L, -1);
        lua_pop(c->L, 1);
        int rc = typed ? typed_value(c, f, &rtype, &data, &size)
                       : (rtype = MEND_REG_MULTI_SZ, multi_sz(c, f, &data, &size));
        if (rc != 0)
            return -1;
    } else {
        return sc_fail(c, "%s: expected a string, an integer, a table or false, got %s", f,
                       lua_typename(c->L, type));
    }
    int rc = sim_reg_put(k, name, rtype, data, size);
    free(data);
    return rc ? sc_oom(c) : 0;
}

int sc_reg_key(sc_ctx *c, const char *path, bool remove, sim_regkey **out)
{
    char where[200];
    *out = NULL;
    const char *rest;
    if (sim_reg_root(path, &rest) < 0)
        return sc_fail(c, "registry[\"%.160s\"]: a registry path starts with HKLM, HKCU, HKCR, HKU or HKCC", path);
    if (!sim_reg_path_ok(path))
        return sc_fail(c, "registry[\"%.160s\"]: key names are at most 255 characters and paths at most 512 keys "
                       "deep", path);
    /* A saved state records changes to derived store objects: derive them before applying. */
    sim_store_graph_need(c->m, path, SIM_GRAPH_READ);
    if (sim_store_area_related(path))
        c->m->store_raw = true;   /* the loaded policy table may no longer match the store */
    if (remove) {
        sim_regkey *k = sim_reg_find(c->m, path);
        if (k && !k->parent) {
            snprintf(where, sizeof where, "registry[\"%.160s\"]", path);
            return sc_fail(c, "%s: a registry root cannot be deleted", where);
        }
        if (k)
            sim_reg_unlink(k);
        return 0;
    }
    if (!(*out = sim_reg_create(c->m, path)))
        return sc_oom(c);
    return 0;
}

static int load_key(sc_ctx *c, const char *path)
{
    char where[200];
    snprintf(where, sizeof where, "registry[\"%.160s\"]", path);
    int type = lua_type(c->L, -1);
    bool remove = type == LUA_TBOOLEAN && !lua_toboolean(c->L, -1);
    const char *rest;
    if (!remove && type != LUA_TTABLE && sim_reg_root(path, &rest) >= 0 && sim_reg_path_ok(path))
        return sc_fail(c, "%s: expected a table of values or false, got %s", where, lua_typename(c->L, type));
    sim_regkey *k;
    if (sc_reg_key(c, path, remove, &k) != 0 || remove)
        return c->failed ? -1 : 0;
    char **names;
    size_t n;
    if (sorted_keys(c, where, &names, &n) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        lua_pushstring(c->L, names[i]);
        lua_rawget(c->L, -2);
        rc = load_value(c, k, where, names[i]);
        if (!rc)
            lua_pop(c->L, 1);
    }
    mend_string_free_list(names, n);
    return rc;
}

int sim_scenario_registry(sc_ctx *c, int t)
{
    int has = sc_open_table(c, t, "registry");
    if (has <= 0)
        return has;
    char **paths;
    size_t n;
    if (sorted_keys(c, "registry", &paths, &n) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        lua_pushstring(c->L, paths[i]);
        lua_rawget(c->L, -2);
        rc = load_key(c, paths[i]);
        if (!rc)
            lua_pop(c->L, 1);
    }
    mend_string_free_list(paths, n);
    if (!rc)
        lua_pop(c->L, 1);
    return rc;
}
