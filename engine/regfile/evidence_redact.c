/* The evidence bundle's store export: regedit's .reg with the secrets IPsec rules can hold blanked. */
#include "evidence_redact.h"
#include "ascii.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A host whose registry listings pass through, secrets blanked and recorded. */
typedef struct redact_ctx {
    const mend_host *inner;
    char **red;
    size_t n, cap;
    bool oom;
} redact_ctx;

bool mend_evidence_secret(const char *key, const char *value)
{
    const char *leaf = strrchr(key, '\\');
    leaf = leaf ? leaf + 1 : key;
    return mend_ascii_istarts(leaf, strlen(leaf), "ipsecNFA{") && mend_ascii_ieq(value, "ipsecData");
}

static void note(redact_ctx *c, const char *key, const char *value)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        char **grown = realloc(c->red, cap * sizeof *grown);
        if (!grown) {
            c->oom = true;
            return;
        }
        c->red = grown;
        c->cap = cap;
    }
    size_t len = strlen(key) + strlen(value) + 2;
    char *s = malloc(len);
    if (!s) {
        c->oom = true;
        return;
    }
    snprintf(s, len, "%s\\%s", key, value);
    c->red[c->n++] = s;
}

static int redact_values(void *ctx, const char *path, mend_regval **out, size_t *n, mend_err *e)
{
    redact_ctx *c = ctx;
    if (c->inner->ops->reg.values(c->inner->ctx, path, out, n, e) != 0)
        return -1;
    for (size_t i = 0; i < *n; i++) {
        mend_regval *v = &(*out)[i];
        if (!mend_evidence_secret(path, v->name))
            continue;
        if (v->size > MEND_EVIDENCE_KEPT_BYTES)
            memset(v->data + MEND_EVIDENCE_KEPT_BYTES, 0, v->size - MEND_EVIDENCE_KEPT_BYTES);
        note(c, path, v->name);
    }
    return 0;
}

static int pass_keys(void *ctx, const char *path, char ***out, size_t *n, mend_err *e)
{
    redact_ctx *c = ctx;
    return c->inner->ops->reg.keys(c->inner->ctx, path, out, n, e);
}

int mend_evidence_export_reg(const mend_host *h, const mend_regfile_key *keys, size_t n, const char *file,
                             char ***redacted, size_t *nredacted, mend_err *e)
{
    *redacted = NULL;
    *nredacted = 0;
    redact_ctx c = { .inner = h };
    mend_host_ops ops = *h->ops;
    ops.reg.values = redact_values;
    ops.reg.keys = pass_keys;
    mend_host proxy = { .ops = &ops, .ctx = &c, .what_if = h->what_if };
    int rc = mend_regfile_export_keys(&proxy, keys, n, file, e);
    if (rc == 0 && c.oom)
        rc = mend_err_set(e, MEND_E_IO, 0, "out of memory while exporting the IPsec store");
    if (rc != 0) {
        mend_string_free_list(c.red, c.n);
        return -1;
    }
    *redacted = c.red;
    *nredacted = c.n;
    return 0;
}
