/* The SPD on Windows: not read yet (winipsec.dll is not called), so every spd call says so. */
#include "win_internal.h"

static int not_built(mend_err *e)
{
    return mend_err_set(e, MEND_E_UNSUPPORTED, 0,
                        "reading the SPD through winipsec.dll is not built yet; "
                        "use 'netsh ipsec dynamic show all' to see it");
}

int win_spd_qm_policies(void *ctx, mend_spd_qm_policy **out, size_t *n, mend_err *e)
{
    (void)ctx;
    *out = NULL;
    *n = 0;
    return not_built(e);
}

int win_spd_filters(void *ctx, mend_spd_filter **out, size_t *n, mend_err *e)
{
    (void)ctx;
    *out = NULL;
    *n = 0;
    return not_built(e);
}

int win_spd_sas(void *ctx, mend_spd_sa **out, size_t *n, mend_err *e)
{
    (void)ctx;
    *out = NULL;
    *n = 0;
    return not_built(e);
}

int win_spd_delete_sas(void *ctx, const char *qm_policy, mend_err *e)
{
    (void)ctx;
    (void)qm_policy;
    return not_built(e);
}

int win_spd_delete_qm_policy(void *ctx, const char *name, mend_err *e)
{
    (void)ctx;
    (void)name;
    return not_built(e);
}
