/* Serialises the registry as the difference from what loading the saved policies rebuilds. */
#include "sim_internal.h"

#include <stdlib.h>
#include <string.h>

int sim_save_registry(mend_buf *b, const sim_machine *m);

static void hex(mend_buf *b, const unsigned char *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    mend_buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        char two[2] = { digits[d[i] >> 4], digits[d[i] & 15] };
        mend_buf_add(b, two, 2);
    }
    mend_buf_add(b, "\"", 1);
}

static uint64_t le(const unsigned char *d, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = (v << 8) | d[i];
    return v;
}

static bool multi_sz_clean(const sim_regval *v)
{
    return v->size == 0 || v->data[v->size - 1] == '\0';
}

static void type_open(mend_buf *b, uint32_t type)
{
    const char *name = mend_reg_type_name(type);
    if (name)
        mend_buf_printf(b, "{ type = \"%s\", ", name);
    else
        mend_buf_printf(b, "{ type = %u, ", (unsigned)type);
}

static void value_data(mend_buf *b, const sim_regval *v)
{
    switch (v->type) {
    case MEND_REG_SZ:
        sim_buf_quote(b, (const char *)v->data, v->size);
        return;
    case MEND_REG_DWORD:
        if (v->size == 4) {
            mend_buf_printf(b, "%llu", (unsigned long long)le(v->data, 4));
            return;
        }
        break;
    case MEND_REG_EXPAND_SZ:
    case MEND_REG_LINK:
        type_open(b, v->type);
        mend_buf_str(b, "data = ");
        sim_buf_quote(b, (const char *)v->data, v->size);
        mend_buf_str(b, " }");
        return;
    case MEND_REG_QWORD:
        if (v->size == 8) {
            type_open(b, v->type);
            mend_buf_printf(b, "data = %lld }", (long long)le(v->data, 8));
            return;
        }
        break;
    case MEND_REG_DWORD_BIG_ENDIAN:
        if (v->size == 4) {
            type_open(b, v->type);
            mend_buf_printf(b, "data = %lu }", (unsigned long)((unsigned long)v->data[0] << 24 |
                                                             (unsigned long)v->data[1] << 16 |
                                                             (unsigned long)v->data[2] << 8 |
                                                             v->data[3]));
            return;
        }
        break;
    case MEND_REG_MULTI_SZ:
        if (multi_sz_clean(v)) {
            type_open(b, v->type);
            mend_buf_str(b, "data = {");
            size_t i = 0;
            while (i < v->size) {
                size_t n = strlen((const char *)v->data + i);
                mend_buf_str(b, " ");
                sim_buf_quote(b, (const char *)v->data + i, n);
                mend_buf_str(b, ",");
                i += n + 1;
            }
            mend_buf_str(b, " } }");
            return;
        }
        break;
    default:
        break;
    }
    type_open(b, v->type);
    mend_buf_str(b, "hex = ");
    hex(b, v->data, v->size);
    mend_buf_str(b, " }");
}

static bool same_value(const sim_regval *a, const sim_regval *b)
{
    return a->type == b->type && a->size == b->size && memcmp(a->data, b->data, a->size) == 0 &&
           strcmp(sim_regval_name(a), sim_regval_name(b)) == 0;
}

static void key_header(mend_buf *b, const sim_regkey *k, bool *open)
{
    if (*open)
        return;
    char *path = sim_reg_path(k);
    if (!path) {
        b->failed = true;
        return;
    }
    mend_buf_str(b, "    [");
    sim_buf_quote(b, path, strlen(path));
    mend_buf_str(b, "] = {");
    free(path);
    *open = true;
}

static void diff(mend_buf *b, const sim_regkey *a, const sim_regkey *base)
{
    bool open = false;
    sim_regval **vals = sim_reg_sorted_vals(a);
    if (!vals) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i < a->nvals; i++) {
        const sim_regval *bv = base ? sim_reg_value(base, sim_regval_name(vals[i])) : NULL;
        if (bv && same_value(vals[i], bv))
            continue;
        key_header(b, a, &open);
        mend_buf_str(b, " [");
        sim_buf_quote(b, sim_regval_name(vals[i]), strlen(sim_regval_name(vals[i])));
        mend_buf_str(b, "] = ");
        value_data(b, vals[i]);
        mend_buf_str(b, ",");
    }
    free(vals);
    if (base) {
        sim_regval **bvals = sim_reg_sorted_vals(base);
        if (!bvals) {
            b->failed = true;
            return;
        }
        for (size_t i = 0; i < base->nvals; i++)
            if (!sim_reg_value(a, sim_regval_name(bvals[i]))) {
                key_header(b, a, &open);
                mend_buf_str(b, " [");
                sim_buf_quote(b, sim_regval_name(bvals[i]), strlen(sim_regval_name(bvals[i])));
                mend_buf_str(b, "] = false,");
            }
        free(bvals);
    }
    if (!base && !open)
        key_header(b, a, &open);   /* a new key without values still has to exist */
    if (open)
        mend_buf_str(b, " },\n");

    sim_regkey **kids = sim_reg_sorted_kids(a);
    if (!kids) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i < a->nkids; i++)
        diff(b, kids[i], base ? sim_reg_child(base, kids[i]->name) : NULL);
    free(kids);
    if (!base)
        return;
    sim_regkey **bkids = sim_reg_sorted_kids(base);
    if (!bkids) {
        b->failed = true;
        return;
    }
    for (size_t i = 0; i < base->nkids; i++)
        if (!sim_reg_child(a, bkids[i]->name)) {
            char *path = sim_reg_path(bkids[i]);
            if (!path) {
                b->failed = true;
                break;
            }
            mend_buf_str(b, "    [");
            sim_buf_quote(b, path, strlen(path));
            mend_buf_str(b, "] = false,\n");
            free(path);
        }
    free(bkids);
}

/* What loading the saved policies produces before the registry section is applied. */
static sim_machine *baseline(const sim_machine *m)
{
    sim_machine *base = sim_machine_new();
    if (!base)
        return NULL;
    sim_reg_default_tree(base);
    char active[SIM_GUID_LEN + 1];
    sim_store_active_guid(m, active);
    for (size_t i = 0; i < m->npol; i++) {
        const sim_policy *p = m->pol[i];
        if (p->in_store && sim_store_write_policy(base, p, m->clock) != 0) {
            sim_machine_free(base);
            return NULL;
        }
        if (active[0] && strcmp(active, p->guid) == 0)
            sim_store_set_active(base, p);
    }
    /* What m has derived of the graph is part of what the policies rebuild. */
    if (sim_store_graph_derive(base, m, m->clock) != 0) {
        sim_machine_free(base);
        return NULL;
    }
    return base;
}

int sim_save_registry(mend_buf *b, const sim_machine *m)
{
    sim_machine *base = baseline(m);
    if (!base)
        return -1;
    mend_buf_str(b, "  registry = {\n");
    for (int r = 0; r < SIM_ROOT_N; r++)
        if (m->roots[r])
            diff(b, m->roots[r], base->roots[r]);
    mend_buf_str(b, "  },\n");
    sim_machine_free(base);
    return 0;
}
