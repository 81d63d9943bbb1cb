/* Test-only stand-in for winipsec.dll (Wine has none): the documented SPD functions over a small model in a file. */
#include <windows.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "win_spd_types.h"

/* The model, one line each, read from $MEND_SPD_MODEL on every call and written back after a
 * change (so separate mend.exe runs see one SPD):
 *   qm {GUID} FLAGS NAME            a quick-mode policy
 *   transport {GUID} {QM-GUID} NAME  a transport filter referencing a QM policy
 *   tunnel {GUID} {QM-GUID} NAME     a tunnel filter
 *   sa SPI {QM-GUID}                 a quick-mode SA of a QM policy
 *   pending {GUID}                   the QM policy is pending deletion
 *   refuse {GUID}                    Delete*Filter of this filter answers ERROR_ACCESS_DENIED
 * The rule the tests rely on: deleting a QM policy still referenced by filters or SAs answers
 * 13023 and leaves it pending; it goes when its last reference does. Filter handles live in
 * this process: a successful delete takes its handle, a failed one leaves it for Close*. */

#define MAXN 64
#define NAMELEN 128

typedef struct item {
    char kind[16];
    GUID id;
    GUID ref;
    DWORD num;                 /* a QM policy's flags, an SA's SPI */
    wchar_t name[NAMELEN];
    int pending;
    int refuse;
} item;

typedef struct model {
    item v[MAXN];
    int n;
} model;

static int parse_guid(const char *s, GUID *g)
{
    unsigned long d1;
    unsigned d2, d3, b[8];
    if (sscanf(s, "{%8lx-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}", &d1, &d2, &d3, &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &b[6], &b[7]) != 11)
        return -1;
    g->Data1 = d1;
    g->Data2 = (unsigned short)d2;
    g->Data3 = (unsigned short)d3;
    for (int i = 0; i < 8; i++)
        g->Data4[i] = (unsigned char)b[i];
    return 0;
}

static void print_guid(FILE *f, const GUID *g)
{
    fprintf(f, "{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned long)g->Data1, g->Data2,
            g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
            g->Data4[7]);
}

static FILE *open_model(const char *mode)
{
    wchar_t path[MAX_PATH];
    if (GetEnvironmentVariableW(L"MEND_SPD_MODEL", path, MAX_PATH) == 0)
        return NULL;
    return _wfopen(path, mode[0] == 'r' ? L"rb" : L"wb");
}

/* The SPD's state: an RPC-like failure when the model is missing (no Policy Agent). */
static DWORD load(model *m)
{
    memset(m, 0, sizeof *m);
    FILE *f = open_model("r");
    if (!f)
        return RPC_S_SERVER_UNAVAILABLE;
    char line[512];
    while (m->n < MAXN && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        item *it = &m->v[m->n];
        memset(it, 0, sizeof *it);
        char a[64] = "", b[64] = "";
        int used = 0;
        if (sscanf(line, "%15s %63s %63s %n", it->kind, a, b, &used) < 3)
            continue;
        if (strcmp(it->kind, "pending") == 0 || strcmp(it->kind, "refuse") == 0)
            continue;
        if (strcmp(it->kind, "sa") == 0) {
            it->num = (DWORD)strtoul(a, NULL, 10);
            if (parse_guid(b, &it->ref) != 0)
                continue;
        } else if (strcmp(it->kind, "qm") == 0) {
            if (parse_guid(a, &it->id) != 0)
                continue;
            it->num = (DWORD)strtoul(b, NULL, 0);
        } else if (parse_guid(a, &it->id) != 0 || parse_guid(b, &it->ref) != 0) {
            continue;
        }
        MultiByteToWideChar(CP_UTF8, 0, line + used, -1, it->name, NAMELEN);
        m->n++;
    }
    rewind(f);
    while (fgets(line, sizeof line, f)) {
        char a[64];
        GUID g;
        if (sscanf(line, "pending %63s", a) == 1 && parse_guid(a, &g) == 0)
            for (int i = 0; i < m->n; i++)
                if (strcmp(m->v[i].kind, "qm") == 0 && IsEqualGUID(&m->v[i].id, &g))
                    m->v[i].pending = 1;
        if (sscanf(line, "refuse %63s", a) == 1 && parse_guid(a, &g) == 0)
            for (int i = 0; i < m->n; i++)
                if (strcmp(m->v[i].kind, "qm") != 0 && strcmp(m->v[i].kind, "sa") != 0 &&
                    IsEqualGUID(&m->v[i].id, &g))
                    m->v[i].refuse = 1;
    }
    fclose(f);
    return ERROR_SUCCESS;
}

static void save(const model *m)
{
    FILE *f = open_model("w");
    if (!f)
        return;
    for (int i = 0; i < m->n; i++) {
        const item *it = &m->v[i];
        char name[NAMELEN * 3];
        WideCharToMultiByte(CP_UTF8, 0, it->name, -1, name, sizeof name, NULL, NULL);
        if (strcmp(it->kind, "sa") == 0) {
            fprintf(f, "sa %lu ", (unsigned long)it->num);
            print_guid(f, &it->ref);
        } else if (strcmp(it->kind, "qm") == 0) {
            fprintf(f, "qm ");
            print_guid(f, &it->id);
            fprintf(f, " %lu", (unsigned long)it->num);
        } else {
            fprintf(f, "%s ", it->kind);
            print_guid(f, &it->id);
            fputc(' ', f);
            print_guid(f, &it->ref);
        }
        fprintf(f, " %s\n", name);
        if (it->pending || it->refuse) {
            fprintf(f, it->pending ? "pending " : "refuse ");
            print_guid(f, &it->id);
            fputc('\n', f);
        }
    }
    fclose(f);
}

static int refs(const model *m, const GUID *qm)
{
    int r = 0;
    for (int i = 0; i < m->n; i++)
        r += strcmp(m->v[i].kind, "qm") != 0 && IsEqualGUID(&m->v[i].ref, qm);
    return r;
}

static void drop(model *m, int i)
{
    memmove(&m->v[i], &m->v[i + 1], (size_t)(m->n - i - 1) * sizeof m->v[0]);
    m->n--;
}

/* A pending QM policy goes with its last reference. */
static void reap(model *m)
{
    for (int i = m->n - 1; i >= 0; i--)
        if (m->v[i].pending && refs(m, &m->v[i].id) == 0)
            drop(m, i);
}

/* One buffer per answer: the entries, then their names (SPDApiBufferFree frees it whole). */
static void *answer(size_t count, size_t elsize, size_t text_chars)
{
    return calloc(1, count * elsize + text_chars * sizeof(wchar_t) + 1);
}

/* Picks the indexes of kind for the page at *resume; ERROR_NO_DATA when none are left. */
static DWORD page(const model *m, const char *kind, DWORD want, DWORD *resume, int *idx, DWORD *got,
                  size_t *text)
{
    DWORD seen = 0;
    *got = 0;
    *text = 0;
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->v[i].kind, kind) != 0)
            continue;
        if (seen++ < *resume || (want && *got >= want))
            continue;
        idx[(*got)++] = i;
        *text += wcslen(m->v[i].name) + 1;
    }
    if (*got == 0)
        return ERROR_NO_DATA;
    *resume += *got;
    return ERROR_SUCCESS;
}

static wchar_t *put_name(wchar_t **text, const wchar_t *name)
{
    wchar_t *at = *text;
    wcscpy(at, name);
    *text += wcslen(name) + 1;
    return at;
}

__declspec(dllexport) win_spd_enum_qm_policies_fn EnumQMPolicies;
__declspec(dllexport) win_spd_enum_transport_filters_fn EnumTransportFilters;
__declspec(dllexport) win_spd_enum_tunnel_filters_fn EnumTunnelFilters;
__declspec(dllexport) win_spd_enum_qm_sas_fn EnumQMSAs;
__declspec(dllexport) win_spd_delete_qm_sas_fn DeleteQMSAs;
__declspec(dllexport) win_spd_delete_qm_policy_fn DeleteQMPolicy;
__declspec(dllexport) win_spd_buffer_free_fn SPDApiBufferFree;
__declspec(dllexport) win_spd_open_transport_filter_handle_fn OpenTransportFilterHandle;
__declspec(dllexport) win_spd_open_tunnel_filter_handle_fn OpenTunnelFilterHandle;
__declspec(dllexport) win_spd_filter_handle_fn DeleteTransportFilter;
__declspec(dllexport) win_spd_filter_handle_fn DeleteTunnelFilter;
__declspec(dllexport) win_spd_filter_handle_fn CloseTransportFilterHandle;
__declspec(dllexport) win_spd_filter_handle_fn CloseTunnelFilterHandle;

/* The start every enumeration shares: the model, the page's indexes, and the answer's buffer
 * (count entries of elsize, then their names). */
static DWORD start(model *m, const char *kind, DWORD want, LPDWORD resume, int *idx, LPDWORD got,
                   size_t elsize, void **out)
{
    size_t text = 0;
    *out = NULL;
    *got = 0;
    DWORD rc = load(m);
    if (rc == ERROR_SUCCESS)
        rc = page(m, kind, want, resume, idx, got, &text);
    if (rc == ERROR_SUCCESS && !(*out = answer(*got, elsize, text)))
        rc = ERROR_NOT_ENOUGH_MEMORY;
    return rc;
}

DWORD WINAPI EnumQMPolicies(LPWSTR server, DWORD version, WIN_SPD_QM_POLICY *tmpl, DWORD flags, DWORD want,
                            WIN_SPD_QM_POLICY **out, LPDWORD got, LPDWORD resume, LPVOID reserved)
{
    model m;
    int idx[MAXN];
    DWORD rc = start(&m, "qm", want, resume, idx, got, sizeof **out, (void **)out);
    if (rc != ERROR_SUCCESS)
        return rc;
    WIN_SPD_QM_POLICY *r = *out;
    wchar_t *names = (wchar_t *)(r + *got);
    for (DWORD i = 0; i < *got; i++) {
        r[i].gPolicyID = m.v[idx[i]].id;
        r[i].dwFlags = m.v[idx[i]].num;
        r[i].pszPolicyName = put_name(&names, m.v[idx[i]].name);
    }
    return ERROR_SUCCESS;
}

/* Transport and tunnel filters share their first fields (gFilterID, pszFilterName) and end with
 * gPolicyID, at policy_at. The stand-in models generic filters only. */
_Static_assert(offsetof(WIN_SPD_TUNNEL_FILTER, pszFilterName) == offsetof(WIN_SPD_TRANSPORT_FILTER, pszFilterName),
               "the two filters share their first fields");

static DWORD enum_filters(const char *kind, DWORD level, DWORD want, void **out, LPDWORD got, LPDWORD resume,
                          size_t elsize, size_t policy_at)
{
    model m;
    int idx[MAXN];
    if (level != WIN_SPD_ENUM_GENERIC_FILTERS)
        return ERROR_INVALID_PARAMETER;
    DWORD rc = start(&m, kind, want, resume, idx, got, elsize, out);
    if (rc != ERROR_SUCCESS)
        return rc;
    char *r = *out;
    wchar_t *names = (wchar_t *)(r + *got * elsize);
    for (DWORD i = 0; i < *got; i++) {
        WIN_SPD_TRANSPORT_FILTER *head = (WIN_SPD_TRANSPORT_FILTER *)(r + i * elsize);
        head->gFilterID = m.v[idx[i]].id;
        head->pszFilterName = put_name(&names, m.v[idx[i]].name);
        memcpy(r + i * elsize + policy_at, &m.v[idx[i]].ref, sizeof(GUID));
    }
    return ERROR_SUCCESS;
}

DWORD WINAPI EnumTransportFilters(LPWSTR server, DWORD version, WIN_SPD_TRANSPORT_FILTER *tmpl, DWORD level,
                                  GUID generic, DWORD want, WIN_SPD_TRANSPORT_FILTER **out, LPDWORD got,
                                  LPDWORD resume, LPVOID reserved)
{
    return enum_filters("transport", level, want, (void **)out, got, resume, sizeof **out,
                        offsetof(WIN_SPD_TRANSPORT_FILTER, gPolicyID));
}

DWORD WINAPI EnumTunnelFilters(LPWSTR server, DWORD version, WIN_SPD_TUNNEL_FILTER *tmpl, DWORD level,
                               GUID generic, DWORD want, WIN_SPD_TUNNEL_FILTER **out, LPDWORD got,
                               LPDWORD resume, LPVOID reserved)
{
    return enum_filters("tunnel", level, want, (void **)out, got, resume, sizeof **out,
                        offsetof(WIN_SPD_TUNNEL_FILTER, gPolicyID));
}

DWORD WINAPI EnumQMSAs(LPWSTR server, DWORD version, WIN_SPD_QM_SA *tmpl, DWORD flags, DWORD want,
                       WIN_SPD_QM_SA **out, LPDWORD got, LPDWORD total, LPDWORD resume, LPVOID reserved)
{
    model m;
    int idx[MAXN];
    DWORD rc = start(&m, "sa", want, resume, idx, got, sizeof **out, (void **)out);
    if (rc != ERROR_SUCCESS)
        return rc;
    WIN_SPD_QM_SA *r = *out;
    for (DWORD i = 0; i < *got; i++) {
        r[i].gQMPolicyID = m.v[idx[i]].ref;
        r[i].SelectedQMOffer.dwNumAlgos = 1;
        r[i].SelectedQMOffer.Algos[0].MySpi = m.v[idx[i]].num;
    }
    *total = *got;
    return ERROR_SUCCESS;
}

DWORD WINAPI DeleteQMSAs(LPWSTR server, DWORD version, WIN_SPD_QM_SA *sa, DWORD flags, LPVOID reserved)
{
    model m;
    DWORD rc = load(&m);
    if (rc != ERROR_SUCCESS)
        return rc;
    for (int i = 0; i < m.n; i++) {
        const item *it = &m.v[i];
        if (strcmp(it->kind, "sa") == 0 && IsEqualGUID(&it->ref, &sa->gQMPolicyID) &&
            it->num == sa->SelectedQMOffer.Algos[0].MySpi) {
            drop(&m, i);
            reap(&m);
            save(&m);
            return ERROR_SUCCESS;
        }
    }
    return ERROR_NOT_FOUND;
}

DWORD WINAPI DeleteQMPolicy(LPWSTR server, DWORD version, LPWSTR name, LPVOID reserved)
{
    model m;
    DWORD rc = load(&m);
    if (rc != ERROR_SUCCESS)
        return rc;
    for (int i = 0; i < m.n; i++) {
        item *it = &m.v[i];
        if (strcmp(it->kind, "qm") != 0 || _wcsicmp(it->name, name) != 0)
            continue;
        if (it->pending)
            return ERROR_IPSEC_QM_POLICY_PENDING_DELETION;
        if (refs(&m, &it->id) > 0) {
            it->pending = 1;
            save(&m);
            return ERROR_IPSEC_QM_POLICY_PENDING_DELETION;
        }
        drop(&m, i);
        save(&m);
        return ERROR_SUCCESS;
    }
    return ERROR_IPSEC_QM_POLICY_NOT_FOUND;
}

VOID WINAPI SPDApiBufferFree(LPVOID buffer)
{
    free(buffer);
}

/* ---- filter handles: open on a filter as enumerated, delete through it, close it ---- */

#define MAXH 16

static struct {
    int used;
    int tunnel;
    GUID filter;
} handles[MAXH];

static DWORD open_filter(const char *kind, const GUID *id, PHANDLE out, DWORD not_found)
{
    model m;
    DWORD rc = load(&m);
    if (rc != ERROR_SUCCESS)
        return rc;
    if (!out)
        return ERROR_INVALID_PARAMETER;
    int found = 0;
    for (int i = 0; i < m.n && !found; i++)
        found = strcmp(m.v[i].kind, kind) == 0 && IsEqualGUID(&m.v[i].id, id);
    if (!found)
        return not_found;
    for (int h = 0; h < MAXH; h++) {
        if (handles[h].used)
            continue;
        handles[h].used = 1;
        handles[h].tunnel = strcmp(kind, "tunnel") == 0;
        handles[h].filter = *id;
        *out = (HANDLE)(INT_PTR)(h + 1);
        return ERROR_SUCCESS;
    }
    return ERROR_NOT_ENOUGH_MEMORY;
}

/* The slot of an open handle of that kind, or -1. */
static int slot(HANDLE h, int tunnel)
{
    INT_PTR i = (INT_PTR)h - 1;
    if (i < 0 || i >= MAXH || !handles[i].used || handles[i].tunnel != tunnel)
        return -1;
    return (int)i;
}

static DWORD delete_filter(HANDLE h, int tunnel, DWORD not_found)
{
    int s = slot(h, tunnel);
    if (s < 0)
        return ERROR_INVALID_HANDLE;
    model m;
    DWORD rc = load(&m);
    if (rc != ERROR_SUCCESS)
        return rc;
    for (int i = 0; i < m.n; i++) {
        if (strcmp(m.v[i].kind, tunnel ? "tunnel" : "transport") != 0 || !IsEqualGUID(&m.v[i].id, &handles[s].filter))
            continue;
        if (m.v[i].refuse)
            return ERROR_ACCESS_DENIED;
        drop(&m, i);
        reap(&m);
        save(&m);
        handles[s].used = 0;
        return ERROR_SUCCESS;
    }
    return not_found;
}

static DWORD close_filter(HANDLE h, int tunnel)
{
    int s = slot(h, tunnel);
    if (s < 0)
        return ERROR_INVALID_HANDLE;
    handles[s].used = 0;
    return ERROR_SUCCESS;
}

DWORD WINAPI OpenTransportFilterHandle(LPWSTR server, DWORD version, WIN_SPD_TRANSPORT_FILTER *filter,
                                       LPVOID reserved, PHANDLE out)
{
    if (!filter)
        return ERROR_INVALID_PARAMETER;
    return open_filter("transport", &filter->gFilterID, out, ERROR_IPSEC_TRANSPORT_FILTER_NOT_FOUND);
}

DWORD WINAPI OpenTunnelFilterHandle(LPWSTR server, DWORD version, WIN_SPD_TUNNEL_FILTER *filter, LPVOID reserved,
                                    PHANDLE out)
{
    if (!filter)
        return ERROR_INVALID_PARAMETER;
    return open_filter("tunnel", &filter->gFilterID, out, ERROR_IPSEC_TUNNEL_FILTER_NOT_FOUND);
}

DWORD WINAPI DeleteTransportFilter(HANDLE h)
{
    return delete_filter(h, 0, ERROR_IPSEC_TRANSPORT_FILTER_NOT_FOUND);
}

DWORD WINAPI DeleteTunnelFilter(HANDLE h)
{
    return delete_filter(h, 1, ERROR_IPSEC_TUNNEL_FILTER_NOT_FOUND);
}

DWORD WINAPI CloseTransportFilterHandle(HANDLE h)
{
    return close_filter(h, 0);
}

DWORD WINAPI CloseTunnelFilterHandle(HANDLE h)
{
    return close_filter(h, 1);
}

/* Test-only: how many filter handles are open, so a test can see none was left behind. */
__declspec(dllexport) DWORD WINAPI MendStandInOpenFilterHandles(void);

DWORD WINAPI MendStandInOpenFilterHandles(void)
{
    DWORD n = 0;
    for (int h = 0; h < MAXH; h++)
        n += handles[h].used != 0;
    return n;
}
