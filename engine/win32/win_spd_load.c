/* winipsec.dll, loaded from System32 only, and the SPD functions mend calls in it. */
#include "win_spd.h"

#include <stdlib.h>
#include <string.h>

/* Each export mend needs, and where its address goes. */
static int resolve(win_spd_api *api, mend_err *e)
{
    struct { const char *name; FARPROC *slot; } want[] = {
        { "EnumQMPolicies", (FARPROC *)&api->enum_qm_policies },
        { "EnumTransportFilters", (FARPROC *)&api->enum_transport_filters },
        { "EnumTunnelFilters", (FARPROC *)&api->enum_tunnel_filters },
        { "EnumQMSAs", (FARPROC *)&api->enum_qm_sas },
        { "DeleteQMSAs", (FARPROC *)&api->delete_qm_sas },
        { "DeleteQMPolicy", (FARPROC *)&api->delete_qm_policy },
        { "SPDApiBufferFree", (FARPROC *)&api->buffer_free },
        { "OpenTransportFilterHandle", (FARPROC *)&api->open_transport_filter },
        { "DeleteTransportFilter", (FARPROC *)&api->delete_transport_filter },
        { "CloseTransportFilterHandle", (FARPROC *)&api->close_transport_filter },
        { "OpenTunnelFilterHandle", (FARPROC *)&api->open_tunnel_filter },
        { "DeleteTunnelFilter", (FARPROC *)&api->delete_tunnel_filter },
        { "CloseTunnelFilterHandle", (FARPROC *)&api->close_tunnel_filter },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        *want[i].slot = GetProcAddress(api->dll, want[i].name);
        if (!*want[i].slot) {
            DWORD code = GetLastError();
            win_err(e, code, "winipsec.dll in System32 has no %s, so mend cannot read the SPD here",
                    want[i].name);
            e->code = MEND_E_UNSUPPORTED;
            return -1;
        }
    }
    return 0;
}

const win_spd_api *win_spd_api_get(win_ctx *c, mend_err *e)
{
    if (!c->spd) {
        c->spd = calloc(1, sizeof *c->spd);
        if (!c->spd) {
            win_err_oom(e);
            return NULL;
        }
    }
    win_spd_api *api = &c->spd->api;
    if (api->dll)
        return api;
    /* System32 only: never mend.exe's folder, the current directory or PATH. */
    HMODULE dll = win_system_dll(L"winipsec.dll");
    if (!dll) {
        DWORD code = GetLastError();
        win_err(e, code, "winipsec.dll cannot be loaded from System32, so mend cannot read the SPD here "
                         "('netsh ipsec dynamic show all' shows it)");
        e->code = MEND_E_UNSUPPORTED;
        return NULL;
    }
    api->dll = dll;
    if (resolve(api, e) != 0) {
        FreeLibrary(dll);
        memset(api, 0, sizeof *api);
        return NULL;
    }
    return api;
}

void win_spd_close(win_ctx *c)
{
    if (!c || !c->spd)
        return;
    win_spd_snap_free(&c->spd->snap);
    free(c->spd->pending);
    if (c->spd->api.dll)
        FreeLibrary(c->spd->api.dll);
    free(c->spd);
    c->spd = NULL;
}
