/* The SPD read through winipsec.dll's enumerations, once per pass (a snapshot kept in the ctx). */
#include "win_spd.h"

#include <stdlib.h>
#include <string.h>

#define WIN_SPD_PAGE 256       /* entries asked for per call; the resume handle pages on */

void win_spd_guid_text(const GUID *g, char out[40])
{
    wchar_t w[40];
    out[0] = '\0';
    if (StringFromGUID2(g, w, 40) > 0)
        WideCharToMultiByte(CP_UTF8, 0, w, -1, out, 40, NULL, NULL);
}

/* Grows an array of elsize elements to hold one more. */
static int grow(void **v, size_t n, size_t *cap, size_t elsize)
{
    if (n < *cap)
        return 0;
    size_t want = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, want * elsize);
    if (!p)
        return -1;
    *v = p;
    *cap = want;
    return 0;
}

void win_spd_snap_free(win_spd_snap *s)
{
    for (size_t i = 0; i < s->nqm; i++) {
        free(s->qm[i].wname);
        free(s->qm[i].name);
    }
    for (size_t i = 0; i < s->nflt; i++) {
        free(s->flt[i].wname);
        free(s->flt[i].name);
    }
    free(s->qm);
    free(s->flt);
    free(s->sa);
    memset(s, 0, sizeof *s);
}

/* ---- one enumeration, paged: a call adapter per function, an adder per element type ---- */

typedef DWORD (*page_call)(const win_spd_api *api, DWORD *resume, void **page, DWORD *got);
typedef int (*page_add)(win_spd_snap *s, const void *page, DWORD i);

static DWORD call_qm(const win_spd_api *api, DWORD *resume, void **page, DWORD *got)
{
    return api->enum_qm_policies(NULL, WIN_SPD_VERSION, NULL, 0, WIN_SPD_PAGE, (WIN_SPD_QM_POLICY **)page, got,
                                 resume, NULL);
}

static DWORD call_transport(const win_spd_api *api, DWORD *resume, void **page, DWORD *got)
{
    GUID none = { 0 };
    return api->enum_transport_filters(NULL, WIN_SPD_VERSION, NULL, WIN_SPD_ENUM_GENERIC_FILTERS, none,
                                       WIN_SPD_PAGE, (WIN_SPD_TRANSPORT_FILTER **)page, got, resume, NULL);
}

static DWORD call_tunnel(const win_spd_api *api, DWORD *resume, void **page, DWORD *got)
{
    GUID none = { 0 };
    return api->enum_tunnel_filters(NULL, WIN_SPD_VERSION, NULL, WIN_SPD_ENUM_GENERIC_FILTERS, none,
                                    WIN_SPD_PAGE, (WIN_SPD_TUNNEL_FILTER **)page, got, resume, NULL);
}

static DWORD call_sas(const win_spd_api *api, DWORD *resume, void **page, DWORD *got)
{
    DWORD total = 0;
    return api->enum_qm_sas(NULL, WIN_SPD_VERSION, NULL, 0, WIN_SPD_PAGE, (WIN_SPD_QM_SA **)page, got, &total,
                            resume, NULL);
}

static int add_qm(win_spd_snap *s, const void *page, DWORD i)
{
    const WIN_SPD_QM_POLICY *p = (const WIN_SPD_QM_POLICY *)page + i;
    if (grow((void **)&s->qm, s->nqm, &s->capqm, sizeof *s->qm) != 0)
        return -1;
    win_spd_qm *q = &s->qm[s->nqm];
    memset(q, 0, sizeof *q);
    q->id = p->gPolicyID;
    q->wname = _wcsdup(p->pszPolicyName ? p->pszPolicyName : L"");
    q->name = win_utf8(q->wname ? q->wname : L"", -1);
    q->flags = p->dwFlags;
    win_spd_guid_text(&p->gPolicyID, q->guid);
    s->nqm++;
    return q->wname && q->name ? 0 : -1;
}

static int add_filter(win_spd_snap *s, const GUID *id, const wchar_t *name, const GUID *policy, bool tunnel)
{
    if (grow((void **)&s->flt, s->nflt, &s->capflt, sizeof *s->flt) != 0)
        return -1;
    win_spd_flt *f = &s->flt[s->nflt++];
    memset(f, 0, sizeof *f);
    f->id = *id;
    f->wname = _wcsdup(name ? name : L"");
    f->name = win_utf8(f->wname ? f->wname : L"", -1);
    win_spd_guid_text(id, f->guid);
    f->tunnel = tunnel;
    f->policy = *policy;
    return f->wname && f->name ? 0 : -1;
}

static int add_transport(win_spd_snap *s, const void *page, DWORD i)
{
    const WIN_SPD_TRANSPORT_FILTER *f = (const WIN_SPD_TRANSPORT_FILTER *)page + i;
    return add_filter(s, &f->gFilterID, f->pszFilterName, &f->gPolicyID, false);
}

static int add_tunnel(win_spd_snap *s, const void *page, DWORD i)
{
    const WIN_SPD_TUNNEL_FILTER *f = (const WIN_SPD_TUNNEL_FILTER *)page + i;
    return add_filter(s, &f->gFilterID, f->pszFilterName, &f->gPolicyID, true);
}

static int add_sa(win_spd_snap *s, const void *page, DWORD i)
{
    const WIN_SPD_QM_SA *a = (const WIN_SPD_QM_SA *)page + i;
    if (grow((void **)&s->sa, s->nsa, &s->capsa, sizeof *s->sa) != 0)
        return -1;
    s->sa[s->nsa].policy = a->gQMPolicyID;
    s->sa[s->nsa].id = a->SelectedQMOffer.dwNumAlgos > 0 ? a->SelectedQMOffer.Algos[0].MySpi : 0;
    s->nsa++;
    return 0;
}

/* The pages of an enumeration kept allocated, with their counts. */
typedef struct spd_pages {
    void **v;
    DWORD *n;
    size_t count, cap;
} spd_pages;

static void pages_free(const win_spd_api *api, spd_pages *p)
{
    for (size_t i = 0; i < p->count; i++)
        api->buffer_free(p->v[i]);
    free(p->v);
    free(p->n);
    memset(p, 0, sizeof *p);
}

static int pages_push(spd_pages *p, void *page, DWORD got)
{
    if (p->count == p->cap) {
        size_t want = p->cap ? p->cap * 2 : 8;
        void **v = realloc(p->v, want * sizeof *v);
        if (v)
            p->v = v;
        DWORD *n = realloc(p->n, want * sizeof *n);
        if (n)
            p->n = n;
        if (!v || !n)
            return -1;
        p->cap = want;
    }
    p->v[p->count] = page;
    p->n[p->count++] = got;
    return 0;
}

/* Pages through one enumeration. ERROR_NO_DATA is its end (or an empty SPD). Each page is
 * added to s and freed, or with keep, kept (DeleteQMSAs gets an SA exactly as enumerated). */
static int enum_pages(const win_spd_api *api, const char *what, page_call call, page_add add,
                      win_spd_snap *s, spd_pages *keep, mend_err *e)
{
    DWORD resume = 0;
    for (;;) {
        void *page = NULL;
        DWORD got = 0;
        DWORD rc = call(api, &resume, &page, &got);
        if (rc == ERROR_NO_DATA || (rc == ERROR_SUCCESS && got == 0)) {
            if (page)
                api->buffer_free(page);
            return 0;
        }
        if (rc != ERROR_SUCCESS)
            return win_err(e, rc, "%s (winipsec.dll) failed", what);
        int bad = 0;
        if (keep) {
            bad = pages_push(keep, page, got);
            if (bad)
                api->buffer_free(page);
        } else {
            for (DWORD i = 0; i < got && !bad; i++)
                bad = add(s, page, i);
            api->buffer_free(page);
        }
        if (bad)
            return win_err_oom(e);
    }
}

static bool guid_eq(const GUID *a, const GUID *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

static void count_refs(win_spd_snap *s)
{
    for (size_t i = 0; i < s->nqm; i++) {
        uint32_t refs = 0;
        for (size_t j = 0; j < s->nflt; j++)
            refs += guid_eq(&s->flt[j].policy, &s->qm[i].id);
        for (size_t j = 0; j < s->nsa; j++)
            refs += guid_eq(&s->sa[j].policy, &s->qm[i].id);
        s->qm[i].refs = refs;
    }
}

const win_spd_snap *win_spd_snapshot(win_ctx *c, mend_err *e)
{
    const win_spd_api *api = win_spd_api_get(c, e);
    if (!api)
        return NULL;
    win_spd_snap *s = &c->spd->snap;
    if (s->valid && s->gen == c->gen)
        return s;
    win_spd_snap_free(s);
    c->spd_reads++;
    if (enum_pages(api, "EnumQMPolicies", call_qm, add_qm, s, NULL, e) != 0 ||
        enum_pages(api, "EnumTransportFilters", call_transport, add_transport, s, NULL, e) != 0 ||
        enum_pages(api, "EnumTunnelFilters", call_tunnel, add_tunnel, s, NULL, e) != 0 ||
        enum_pages(api, "EnumQMSAs", call_sas, add_sa, s, NULL, e) != 0) {
        win_spd_snap_free(s);
        return NULL;
    }
    count_refs(s);
    s->valid = true;
    s->gen = c->gen;
    return s;
}

int win_spd_delete_sas_of(const win_spd_api *api, const GUID *policy, const char *name, mend_err *e)
{
    spd_pages pages = { 0 };
    if (enum_pages(api, "EnumQMSAs", call_sas, NULL, NULL, &pages, e) != 0) {
        pages_free(api, &pages);
        return -1;
    }
    int rc = 0;
    for (size_t p = 0; p < pages.count && rc == 0; p++) {
        WIN_SPD_QM_SA *sa = pages.v[p];
        for (DWORD i = 0; i < pages.n[p] && rc == 0; i++) {
            if (!guid_eq(&sa[i].gQMPolicyID, policy))
                continue;
            DWORD w = api->delete_qm_sas(NULL, WIN_SPD_VERSION, &sa[i], 0, NULL);
            if (w != ERROR_SUCCESS)
                rc = win_err(e, w, "DeleteQMSAs for quick-mode policy %.200s", name);
        }
    }
    pages_free(api, &pages);
    return rc;
}

/* The handle is closed on every path where the delete did not succeed; after a successful
 * delete it is not closed again (the reference does not say the delete leaves it open, and a
 * handle closed twice is worse than one the Policy Agent frees when mend exits). */
static DWORD delete_through_handle(const win_spd_api *api, bool tunnel, void *filter)
{
    HANDLE h = NULL;
    DWORD rc = tunnel ? api->open_tunnel_filter(NULL, WIN_SPD_VERSION, filter, NULL, &h)
                      : api->open_transport_filter(NULL, WIN_SPD_VERSION, filter, NULL, &h);
    if (rc != ERROR_SUCCESS)
        return rc;
    rc = tunnel ? api->delete_tunnel_filter(h) : api->delete_transport_filter(h);
    if (rc != ERROR_SUCCESS)
        (tunnel ? api->close_tunnel_filter : api->close_transport_filter)(h);
    return rc;
}

int win_spd_delete_filter_of(const win_spd_api *api, const GUID *id, bool tunnel, const char *name, mend_err *e)
{
    spd_pages pages = { 0 };
    const char *what = tunnel ? "EnumTunnelFilters" : "EnumTransportFilters";
    if (enum_pages(api, what, tunnel ? call_tunnel : call_transport, NULL, NULL, &pages, e) != 0) {
        pages_free(api, &pages);
        return -1;
    }
    size_t elsize = tunnel ? sizeof(WIN_SPD_TUNNEL_FILTER) : sizeof(WIN_SPD_TRANSPORT_FILTER);
    void *hit = NULL;
    for (size_t p = 0; p < pages.count && !hit; p++)
        for (DWORD i = 0; i < pages.n[p] && !hit; i++) {
            void *f = (char *)pages.v[p] + i * elsize;
            /* gFilterID is the first field of both structures */
            if (guid_eq((const GUID *)f, id))
                hit = f;
        }
    DWORD rc = hit ? delete_through_handle(api, tunnel, hit)
                   : (tunnel ? ERROR_IPSEC_TUNNEL_FILTER_NOT_FOUND : ERROR_IPSEC_TRANSPORT_FILTER_NOT_FOUND);
    pages_free(api, &pages);
    if (rc != ERROR_SUCCESS)
        return win_err(e, rc, "%s %.200s", tunnel ? "DeleteTunnelFilter" : "DeleteTransportFilter", name);
    return 0;
}
