/* IPsec static policies: listed from the store snapshot, changed through netsh and verified by a fresh read. */
#include "win_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define QUOTE_BUF 320

/* Why the state of a policy read from the static store is "unknown": the store keeps no
 * pending-deletion mark (MS-GPIPSEC 2.2.2 lists none). */
static const char unknown_reason[] =
    "the IPsec policy store does not record whether a policy is pending deletion (that lives in "
    "the Policy Agent's Security Policy Database, which this host does not read); if Windows "
    "reported 0x32DF (13023) for this policy, name it: mend fix \"NAME\"";

/* The seam for the SPD (issue 11): a read of the Policy Agent's quick-mode policies would set
 * active or pending_deletion here. Until then the store alone cannot tell. */
static int policy_state(win_ctx *c, const win_store_policy *p, mend_policy *out)
{
    (void)c;
    (void)p;
    out->state = MEND_POLICY_UNKNOWN;
    out->state_reason = mend_strdup(unknown_reason);
    return out->state_reason ? 0 : -1;
}

static int fill_policy(win_ctx *c, const win_store *s, const win_store_policy *p, mend_policy *out,
                       mend_err *e)
{
    memset(out, 0, sizeof *out);
    out->name = win_utf8(p->name, -1);
    out->description = win_utf8(p->description, -1);
    out->guid = win_utf8(p->guid, -1);
    char *key = win_utf8(p->key, -1);
    if (key) {
        const char *root = p->gpo ? MEND_IPSEC_GPO_CACHE : MEND_IPSEC_STORE_ROOT;
        size_t len = strlen(root) + 1 + strlen(key) + 1;
        out->store_key = malloc(len);
        if (out->store_key)
            snprintf(out->store_key, len, "%s\\%s", root, key);
        free(key);
    }
    out->gpo = p->gpo ? win_utf8(p->gpo, -1) : NULL;
    out->gpo_assigned = p->gpo && p->gpo_assigned;
    out->assigned = win_store_assigned(s, p);
    out->sa_count = 0;         /* the store does not hold SAs; see docs/windows.md */
    if (policy_state(c, p, out) != 0 || !out->name || !out->description || !out->guid ||
        !out->store_key || (p->gpo && !out->gpo)) {
        mend_policy_clear(out);
        return win_err_oom(e);
    }
    return 0;
}

int win_ipsec_list(void *ctx, mend_policy **out, size_t *n, mend_err *e)
{
    *out = NULL;
    *n = 0;
    const win_store *s = win_store_snapshot(ctx, e);
    if (!s)
        return -1;
    mend_policy *list = calloc(s->n ? s->n : 1, sizeof *list);
    if (!list)
        return win_err_oom(e);
    for (size_t i = 0; i < s->n; i++) {
        if (fill_policy(ctx, s, &s->p[i], &list[i], e) != 0) {
            mend_policy_free_list(list, i);
            return -1;
        }
    }
    *out = list;
    *n = s->n;
    return 0;
}

static int not_in_store(const char *name, mend_err *e)
{
    return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND,
                        "IPsec policy '%s' is not in the policy store: %s", name,
                        mend_win32_text(MEND_WIN_FILE_NOT_FOUND));
}

int win_ipsec_get(void *ctx, const char *name, mend_policy *out, mend_err *e)
{
    memset(out, 0, sizeof *out);
    wchar_t *w = win_wide(name, e);
    if (!w)
        return -1;
    const win_store *s = win_store_snapshot(ctx, e);
    const win_store_policy *p = s ? win_store_find(s, w) : NULL;
    free(w);
    if (!s)
        return -1;
    return p ? fill_policy(ctx, s, p, out, e) : not_in_store(name, e);
}

/* The policy's exact name as the store spells it, checked for netsh; NULL with e set. */
static wchar_t *target(win_ctx *c, const char *name, mend_err *e)
{
    wchar_t *w = win_wide(name, e);
    if (!w)
        return NULL;
    const win_store *s = win_store_snapshot(c, e);
    const win_store_policy *p = s ? win_store_find(s, w) : NULL;
    wchar_t *exact = NULL;
    if (s && !p)
        not_in_store(name, e);
    else if (p && p->gpo) {
        /* netsh static changes the local store only: never aimed at Group Policy's copy. */
        char *gpo = win_utf8(p->gpo, -1);
        if (gpo)
            mend_policy_gpo_refused(e, name, gpo);
        else
            win_err_oom(e);
        free(gpo);
    } else if (p && win_netsh_check_text(p->name, "policy name", name, e) == 0 &&
             !(exact = _wcsdup(p->name)))
        win_err_oom(e);
    free(w);
    return exact;
}

/* A fresh read after netsh ran (its exit code says nothing), kept as the snapshot since it is
 * the newest; *found says whether name is listed, *assigned whether it is the assigned one. */
static int reread(win_ctx *c, const char *name, bool *found, bool *assigned, mend_err *e)
{
    wchar_t *w = win_wide(name, e);
    if (!w)
        return -1;
    win_store s;
    if (win_store_read(c, &s, e) != 0) {
        free(w);
        return -1;
    }
    const win_store_policy *p = win_store_find(&s, w);
    free(w);
    *found = p != NULL;
    *assigned = win_store_assigned(&s, p);
    return win_store_keep(c, &s, e);
}

/* netsh left the store unchanged: the reason its answer's numbers (and the store) give. */
static int explain(const char *what, const char *name, const win_netsh_answer *a,
                   bool listed, bool assigned, mend_err *e)
{
    char quoted[QUOTE_BUF];
    win_netsh_quote(a, quoted, sizeof quoted);
    const char *text = a->win32 ? mend_win32_text(a->win32) : NULL;
    if (assigned && strcmp(what, "delete") == 0)
        return mend_err_set(e, MEND_E_IN_USE, MEND_WIN_IPSEC_QM_POLICY_IN_USE,
                            "cannot delete IPsec policy '%s': it is assigned; netsh said: %s",
                            name, quoted);
    switch (a->win32) {
    case MEND_WIN_IPSEC_QM_POLICY_PENDING_DELETION:
        return mend_err_set(e, MEND_E_PENDING_DELETION, a->win32,
                            "cannot %s IPsec policy '%s': %s netsh said: %s", what, name, text, quoted);
    case MEND_WIN_IPSEC_QM_POLICY_IN_USE:
        return mend_err_set(e, MEND_E_IN_USE, a->win32,
                            "cannot %s IPsec policy '%s': %s netsh said: %s", what, name, text, quoted);
    case MEND_WIN_ACCESS_DENIED:
    case 740u:                 /* ERROR_ELEVATION_REQUIRED */
        return mend_err_set(e, MEND_E_ACCESS_DENIED, MEND_WIN_ACCESS_DENIED,
                            "cannot %s IPsec policy '%s': netsh was refused access; run mend from "
                            "an elevated prompt (Run as administrator); netsh said: %s",
                            what, name, quoted);
    case MEND_WIN_FILE_NOT_FOUND:
    case MEND_WIN_PATH_NOT_FOUND:
        /* Still listed, yet netsh cannot find it: the article's policy gone from the store as
         * netsh sees it but alive in the Policy Agent's memory. */
        if (listed)
            return mend_err_set(e, MEND_E_NOT_FOUND, MEND_WIN_FILE_NOT_FOUND,
                                "cannot %s IPsec policy '%s': %s netsh said: %s", what, name,
                                mend_win32_text(MEND_WIN_FILE_NOT_FOUND), quoted);
        break;
    default:
        break;
    }
    if (a->tag)
        return mend_err_set(e, MEND_E_IO, a->win32,
                            "netsh did not %s IPsec policy '%s' (ERR IPsec[%05u]; the policy store "
                            "is unchanged); netsh said: %s", what, name, a->tag, quoted);
    return mend_err_set(e, MEND_E_IO, a->win32,
                        "netsh did not %s IPsec policy '%s' (the policy store is unchanged); "
                        "netsh said: %s", what, name, quoted);
}

int win_ipsec_delete(void *ctx, const char *name, mend_err *e)
{
    wchar_t *exact = target(ctx, name, e);
    if (!exact)
        return -1;
    win_netsh_answer a;
    int ret = win_netsh_policy(ctx, L"delete", exact, NULL, NULL, NULL, NULL, &a, e);
    free(exact);
    if (ret != 0)
        return -1;
    bool listed, assigned;
    ret = reread(ctx, name, &listed, &assigned, e);
    if (ret == 0 && listed)
        ret = explain("delete", name, &a, listed, assigned, e);
    win_netsh_answer_clear(&a);
    return ret;
}

int win_ipsec_assign(void *ctx, const char *name, bool on, mend_err *e)
{
    wchar_t *exact = target(ctx, name, e);
    if (!exact)
        return -1;
    win_netsh_answer a;
    int ret = win_netsh_policy(ctx, L"set", exact, L"assign", on ? L"y" : L"n", NULL, NULL, &a, e);
    free(exact);
    if (ret != 0)
        return -1;
    bool listed, assigned;
    ret = reread(ctx, name, &listed, &assigned, e);
    if (ret == 0 && !listed)
        ret = not_in_store(name, e);
    else if (ret == 0 && assigned != on)
        ret = explain(on ? "assign" : "unassign", name, &a, listed, assigned, e);
    win_netsh_answer_clear(&a);
    return ret;
}

int win_ipsec_create(void *ctx, const char *name, const char *description, mend_err *e)
{
    if (!name[0])
        return mend_err_set(e, MEND_E_INVALID, MEND_WIN_INVALID_PARAMETER,
                            "A policy needs a non-empty name.");
    wchar_t *w = win_wide(name, e);
    wchar_t *wdesc = w ? win_wide(description ? description : "", e) : NULL;
    int ret = wdesc ? 0 : -1;
    if (ret == 0)
        ret = win_netsh_check_text(w, "policy name", name, e);
    if (ret == 0)
        ret = win_netsh_check_text(wdesc, "description", description ? description : "", e);
    if (ret == 0) {
        const win_store *s = win_store_snapshot(ctx, e);
        if (!s)
            ret = -1;
        else if (win_store_find(s, w))
            ret = mend_err_set(e, MEND_E_EXISTS, MEND_WIN_IPSEC_QM_POLICY_EXISTS,
                               "cannot create IPsec policy '%s': %s", name,
                               mend_win32_text(MEND_WIN_IPSEC_QM_POLICY_EXISTS));
    }
    win_netsh_answer a;
    memset(&a, 0, sizeof a);
    if (ret == 0)
        ret = win_netsh_policy(ctx, L"add", w, L"description", wdesc, NULL, NULL, &a, e);
    bool listed = false, assigned;
    if (ret == 0)
        ret = reread(ctx, name, &listed, &assigned, e);
    if (ret == 0 && !listed)
        ret = explain("create", name, &a, false, false, e);
    win_netsh_answer_clear(&a);
    free(w);
    free(wdesc);
    return ret;
}
