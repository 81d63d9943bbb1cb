/* The SPD on Windows (winipsec.dll): the spd host operations on the pass's snapshot, and its two changes. */
#include "win_spd.h"

#include <stdlib.h>
#include <string.h>

static bool known_pending(const struct win_spd *spd, const GUID *id)
{
    for (size_t i = 0; i < spd->npending; i++)
        if (memcmp(&spd->pending[i], id, sizeof *id) == 0)
            return true;
    return false;
}

/* DeleteQMPolicy answered 13023: Windows has said so, and enumerations do not. */
static void remember_pending(struct win_spd *spd, const GUID *id)
{
    if (known_pending(spd, id))
        return;
    if (spd->npending == spd->cappending) {
        size_t want = spd->cappending ? spd->cappending * 2 : 8;
        GUID *v = realloc(spd->pending, want * sizeof *v);
        if (!v)
            return;            /* then pending_deletion stays nil: nothing wrong is said */
        spd->pending = v;
        spd->cappending = want;
    }
    spd->pending[spd->npending++] = *id;
}

static const win_spd_qm *find_qm(const win_spd_snap *s, const char *name)
{
    for (size_t i = 0; i < s->nqm; i++)
        if (strcmp(s->qm[i].name, name) == 0)
            return &s->qm[i];
    wchar_t *w = win_wide(name, NULL);
    const win_spd_qm *hit = NULL;
    for (size_t i = 0; w && !hit && i < s->nqm; i++)
        if (win_ieq(s->qm[i].wname, w))
            hit = &s->qm[i];
    free(w);
    return hit;
}

/* The name of the quick-mode policy a filter references: "" for none (a permit or block
 * filter), its GUID when the SPD has no policy of that GUID. */
static char *policy_name(const win_spd_snap *s, const GUID *id)
{
    static const GUID none = { 0 };
    if (memcmp(id, &none, sizeof none) == 0)
        return mend_strdup("");
    for (size_t i = 0; i < s->nqm; i++)
        if (memcmp(&s->qm[i].id, id, sizeof *id) == 0)
            return mend_strdup(s->qm[i].name);
    char text[40];
    win_spd_guid_text(id, text);
    return mend_strdup(text);
}

int win_spd_qm_policies(void *ctx, mend_spd_qm_policy **out, size_t *n, mend_err *e)
{
    win_ctx *c = ctx;
    *out = NULL;
    *n = 0;
    const win_spd_snap *s = win_spd_snapshot(c, e);
    if (!s)
        return -1;
    mend_spd_qm_policy *r = calloc(s->nqm ? s->nqm : 1, sizeof *r);
    if (!r)
        return win_err_oom(e);
    for (size_t i = 0; i < s->nqm; i++) {
        r[i].name = mend_strdup(s->qm[i].name);
        r[i].guid = mend_strdup(s->qm[i].guid);
        r[i].flags = s->qm[i].flags;
        r[i].pending_deletion = known_pending(c->spd, &s->qm[i].id) ? 1 : -1;
        r[i].refs = s->qm[i].refs;
        if (!r[i].name || !r[i].guid) {
            mend_spd_qm_policy_free_list(r, i + 1);
            return win_err_oom(e);
        }
    }
    *out = r;
    *n = s->nqm;
    return 0;
}

int win_spd_filters(void *ctx, mend_spd_filter **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    const win_spd_snap *s = win_spd_snapshot(ctx, e);
    if (!s)
        return -1;
    mend_spd_filter *r = calloc(s->nflt ? s->nflt : 1, sizeof *r);
    if (!r)
        return win_err_oom(e);
    for (size_t i = 0; i < s->nflt; i++) {
        r[i].name = mend_strdup(s->flt[i].name);
        r[i].guid = mend_strdup(s->flt[i].guid);
        r[i].tunnel = s->flt[i].tunnel;
        r[i].qm_policy = policy_name(s, &s->flt[i].policy);
        if (!r[i].name || !r[i].guid || !r[i].qm_policy) {
            mend_spd_filter_free_list(r, i + 1);
            return win_err_oom(e);
        }
    }
    *out = r;
    *n = s->nflt;
    return 0;
}

int win_spd_sas(void *ctx, mend_spd_sa **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    const win_spd_snap *s = win_spd_snapshot(ctx, e);
    if (!s)
        return -1;
    mend_spd_sa *r = calloc(s->nsa ? s->nsa : 1, sizeof *r);
    if (!r)
        return win_err_oom(e);
    for (size_t i = 0; i < s->nsa; i++) {
        r[i].id = s->sa[i].id;
        if (!(r[i].qm_policy = policy_name(s, &s->sa[i].policy))) {
            mend_spd_sa_free_list(r, i + 1);
            return win_err_oom(e);
        }
    }
    *out = r;
    *n = s->nsa;
    return 0;
}

static int not_in_spd(const char *name, mend_err *e)
{
    return win_err(e, ERROR_IPSEC_QM_POLICY_NOT_FOUND, "quick-mode policy %.200s is not in the SPD", name);
}

/* The caller (win_host.c) has already bumped the generation: this reads the SPD afresh. */
int win_spd_delete_sas(void *ctx, const char *qm_policy, mend_err *e)
{
    win_ctx *c = ctx;
    const win_spd_snap *s = win_spd_snapshot(c, e);
    if (!s)
        return -1;
    const win_spd_qm *q = find_qm(s, qm_policy);
    if (!q)
        return not_in_spd(qm_policy, e);
    GUID id = q->id;
    int rc = win_spd_delete_sas_of(&c->spd->api, &id, qm_policy, e);
    win_ctx_changed(c);        /* whatever went, the next read asks Windows again */
    return rc;
}

int win_spd_delete_qm_policy(void *ctx, const char *name, mend_err *e)
{
    win_ctx *c = ctx;
    const win_spd_snap *s = win_spd_snapshot(c, e);
    if (!s)
        return -1;
    const win_spd_qm *q = find_qm(s, name);
    if (!q)
        return not_in_spd(name, e);
    GUID id = q->id;
    wchar_t *w = _wcsdup(q->wname);   /* the snapshot goes stale below */
    if (!w)
        return win_err_oom(e);
    DWORD rc = c->spd->api.delete_qm_policy(NULL, WIN_SPD_VERSION, w, NULL);
    free(w);
    win_ctx_changed(c);
    if (rc == ERROR_IPSEC_QM_POLICY_PENDING_DELETION)
        remember_pending(c->spd, &id);
    if (rc != ERROR_SUCCESS)
        return win_err(e, rc, "DeleteQMPolicy %.200s", name);
    return 0;
}

/* The filter named by its GUID, else by its name (letter case ignored, as Windows compares
 * them); two filters of one name are refused, so nothing is deleted by guess. */
static const win_spd_flt *find_filter(const win_spd_snap *s, const char *id, mend_err *e)
{
    for (size_t i = 0; i < s->nflt; i++)
        if (_stricmp(s->flt[i].guid, id) == 0)
            return &s->flt[i];
    wchar_t *w = win_wide(id, e);
    if (!w)
        return NULL;
    const win_spd_flt *hit = NULL;
    size_t named = 0;
    for (size_t i = 0; i < s->nflt; i++)
        if (win_ieq(s->flt[i].wname, w) && named++ == 0)
            hit = &s->flt[i];
    free(w);
    if (named > 1) {
        mend_err_set(e, MEND_E_INVALID, 0, "%lu SPD filters are named '%.200s': name the one to delete by its "
                     "GUID (spd.filters() lists them)", (unsigned long)named, id);
        return NULL;
    }
    if (!hit)
        win_err(e, ERROR_IPSEC_TRANSPORT_FILTER_NOT_FOUND, "no transport or tunnel filter in the SPD has the name "
                "or GUID %.200s", id);
    return hit;
}

int win_spd_delete_filter(void *ctx, const char *name_or_guid, mend_err *e)
{
    win_ctx *c = ctx;
    const win_spd_snap *s = win_spd_snapshot(c, e);
    if (!s)
        return -1;
    const win_spd_flt *f = find_filter(s, name_or_guid, e);
    if (!f)
        return -1;
    GUID id = f->id;
    bool tunnel = f->tunnel;
    int rc = win_spd_delete_filter_of(&c->spd->api, &id, tunnel, name_or_guid, e);
    win_ctx_changed(c);
    return rc;
}
