/* What the win32 SPD files share: winipsec.dll's functions and the SPD as last read. */
#ifndef MEND_WIN_SPD_H
#define MEND_WIN_SPD_H

#include <objbase.h>

#include "win_internal.h"
#include "win_spd_types.h"

typedef struct win_spd_api {
    HMODULE dll;
    win_spd_enum_qm_policies_fn *enum_qm_policies;
    win_spd_enum_transport_filters_fn *enum_transport_filters;
    win_spd_enum_tunnel_filters_fn *enum_tunnel_filters;
    win_spd_enum_qm_sas_fn *enum_qm_sas;
    win_spd_delete_qm_sas_fn *delete_qm_sas;
    win_spd_delete_qm_policy_fn *delete_qm_policy;
    win_spd_buffer_free_fn *buffer_free;
    win_spd_open_transport_filter_handle_fn *open_transport_filter;
    win_spd_filter_handle_fn *delete_transport_filter;
    win_spd_filter_handle_fn *close_transport_filter;
    win_spd_open_tunnel_filter_handle_fn *open_tunnel_filter;
    win_spd_filter_handle_fn *delete_tunnel_filter;
    win_spd_filter_handle_fn *close_tunnel_filter;
} win_spd_api;

typedef struct win_spd_qm {
    GUID id;
    wchar_t *wname;            /* as Windows spells it: what DeleteQMPolicy gets */
    char *name;
    char guid[40];
    uint32_t flags;
    uint32_t refs;             /* filters and SAs whose policy GUID is id */
} win_spd_qm;

typedef struct win_spd_flt {
    GUID id;
    wchar_t *wname;
    char *name;
    char guid[40];
    bool tunnel;
    GUID policy;
} win_spd_flt;

typedef struct win_spd_sa {
    uint64_t id;               /* the first algorithm's inbound SPI */
    GUID policy;
} win_spd_sa;

typedef struct win_spd_snap {
    win_spd_qm *qm;
    size_t nqm, capqm;
    win_spd_flt *flt;
    size_t nflt, capflt;
    win_spd_sa *sa;
    size_t nsa, capsa;
    bool valid;
    unsigned long gen;         /* the ctx generation it was read at */
} win_spd_snap;

struct win_spd {
    win_spd_api api;
    win_spd_snap snap;
    GUID *pending;             /* policies DeleteQMPolicy answered 13023 for in this process */
    size_t npending, cappending;
};

/* The loaded DLL and its exports (loaded on first use, kept in c); NULL with e filled
 * (MEND_E_UNSUPPORTED naming the DLL or the export and Windows' code) when unavailable. */
const win_spd_api *win_spd_api_get(win_ctx *c, mend_err *e);
void win_spd_snap_free(win_spd_snap *s);
/* "{XXXXXXXX-...}" as StringFromGUID2 writes it. */
void win_spd_guid_text(const GUID *g, char out[40]);
/* The SPD of this pass: read once (the four enumerations), reused until a change bumps c->gen. */
const win_spd_snap *win_spd_snapshot(win_ctx *c, mend_err *e);
/* DeleteQMSAs on every SA EnumQMSAs lists with policy as its quick-mode policy. */
int win_spd_delete_sas_of(const win_spd_api *api, const GUID *policy, const char *name, mend_err *e);
/* Finds the filter id among the transport (or tunnel) filters as enumerated now, opens a handle
 * on it, deletes it, and closes the handle wherever the delete did not take it. */
int win_spd_delete_filter_of(const win_spd_api *api, const GUID *id, bool tunnel, const char *name, mend_err *e);

#endif
