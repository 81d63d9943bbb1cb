/* A parsed .reg file put to use: its operations applied through the host in file order. */
#include "regfile_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform.h"

size_t mend_regfile_deletions(const mend_regfile *rf)
{
    return rf ? rf->deletions : 0;
}

int mend_regfile_touched(const mend_regfile *rf, mend_regfile_key **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    if (!rf || rf->nkeys == 0)
        return 0;
    /* Per key: 0 untouched, 1 values only, 2 the subtree. */
    unsigned char *how = calloc(rf->nkeys, 1);
    size_t *order = calloc(rf->nkeys, sizeof *order);
    mend_regfile_key *keys = calloc(rf->nkeys, sizeof *keys);
    if (!how || !order || !keys) {
        free(how);
        free(order);
        free(keys);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory");
    }
    size_t nseen = 0;
    for (size_t i = 0; i < rf->nops; i++) {
        const mend_rf_op *op = &rf->ops[i];
        unsigned char want = op->kind == MEND_RF_DELETE_KEY ? 2
                           : op->kind == MEND_RF_CREATE_KEY ? 0 : 1;
        if (want == 0 || op->key >= rf->nkeys)
            continue;
        if (how[op->key] == 0)
            order[nseen++] = op->key;
        if (want > how[op->key])
            how[op->key] = want;
    }
    for (size_t i = 0; i < nseen; i++)
        keys[i] = (mend_regfile_key){ rf->keys[order[i]], how[order[i]] == 1 };
    free(how);
    free(order);
    if (nseen == 0) {
        free(keys);
        return 0;
    }
    *out = keys;
    *n = nseen;
    return 0;
}

/* Puts prefix before the message, keeping the code (truncating the end if needed). */
static void prefix_msg(mend_err *e, const char *prefix)
{
    size_t p = strlen(prefix), m = strlen(e->msg);
    if (p >= sizeof e->msg)
        return;
    if (p + m >= sizeof e->msg)
        m = sizeof e->msg - 1 - p;
    memmove(e->msg + p, e->msg, m);
    memcpy(e->msg, prefix, p);
    e->msg[p + m] = '\0';
}

/* Keeps the host's code and message, and says which line of the file failed. */
static int at_line(mend_err *e, int line)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "line %d: ", line);
    if (e)
        prefix_msg(e, prefix);
    return -1;
}

static int apply_op(const mend_regfile *rf, const mend_rf_op *op, const mend_host *h, mend_err *e)
{
    const mend_host_ops *o = h->ops;
    const char *key = rf->keys[op->key];
    mend_err local;
    mend_err *err = e ? e : &local;
    mend_err_clear(err);
    switch (op->kind) {
    case MEND_RF_CREATE_KEY:
        if (!o->reg.create_key)
            return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "this host cannot create registry keys");
        return o->reg.create_key(h->ctx, key, err);
    case MEND_RF_SET_VALUE:
        if (!o->reg.set)
            return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "this host cannot set registry values");
        return o->reg.set(h->ctx, key, op->name, op->type, op->data, op->size, err);
    case MEND_RF_DELETE_KEY:
        if (!o->reg.delete_key)
            return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "this host cannot delete registry keys");
        /* As with regedit, deleting what is already gone is not an error. */
        if (o->reg.delete_key(h->ctx, key, true, err) != 0)
            return err->code == MEND_E_NOT_FOUND ? 0 : -1;
        return 0;
    case MEND_RF_DELETE_VALUE:
        if (!o->reg.delete_value)
            return mend_err_set(e, MEND_E_UNSUPPORTED, 0, "this host cannot delete registry values");
        if (o->reg.delete_value(h->ctx, key, op->name, err) != 0)
            return err->code == MEND_E_NOT_FOUND ? 0 : -1;
        return 0;
    }
    return 0;
}

int mend_regfile_apply(const mend_regfile *rf, const mend_host *h, mend_err *e)
{
    for (size_t i = 0; i < rf->nops; i++)
        if (apply_op(rf, &rf->ops[i], h, e) != 0)
            return at_line(e, rf->ops[i].line);
    mend_err_clear(e);
    return 0;
}

int mend_regfile_import(const mend_host *h, const char *file, mend_err *e)
{
    char *data;
    size_t len;
    if (mend_read_file(file, &data, &len, e) != 0)
        return -1;
    mend_regfile *rf;
    int rc = mend_regfile_parse((const unsigned char *)data, len, &rf, e);
    free(data);
    if (rc != 0) {
        if (e && strlen(file) < sizeof e->msg / 2) {
            char prefix[MEND_MSG_MAX / 2 + 2];
            snprintf(prefix, sizeof prefix, "%s: ", file);
            prefix_msg(e, prefix);
        }
        return -1;
    }
    rc = mend_regfile_apply(rf, h, e);
    mend_regfile_free(rf);
    return rc;
}
