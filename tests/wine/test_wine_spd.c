/* Wine test of the win32 SPD backend: until the winipsec reader is built, every spd call says so, the same way. */
#include "wt.h"

static void check_unsupported(int rc, const mend_err *e, const char *what)
{
    WT_CHECK(rc != 0 && e->code == MEND_E_UNSUPPORTED, "%s: rc %d, %s", what, rc, e->msg);
    WT_CHECK(strstr(e->msg, "reading the SPD through winipsec.dll is not built yet") != NULL, "%s: %s", what, e->msg);
}

static void test_spd_calls_answer_unsupported(void)
{
    mend_host h = wt_host();
    mend_err e;
    mend_spd_qm_policy *q = (mend_spd_qm_policy *)&e;
    mend_spd_filter *f = (mend_spd_filter *)&e;
    mend_spd_sa *s = (mend_spd_sa *)&e;
    size_t n = 7;
    check_unsupported(h.ops->spd.qm_policies(h.ctx, &q, &n, &e), &e, "qm_policies");
    WT_CHECK(q == NULL && n == 0, "no list on failure");
    check_unsupported(h.ops->spd.filters(h.ctx, &f, &n, &e), &e, "filters");
    WT_CHECK(f == NULL && n == 0, "no list on failure");
    check_unsupported(h.ops->spd.sas(h.ctx, &s, &n, &e), &e, "sas");
    WT_CHECK(s == NULL && n == 0, "no list on failure");
    check_unsupported(h.ops->spd.delete_sas(h.ctx, "Corp-QM filter action", &e), &e, "delete_sas");
    check_unsupported(h.ops->spd.delete_qm_policy(h.ctx, "Corp-QM filter action", &e), &e, "delete_qm_policy");
    mend_host_close(&h);
}

int main(void)
{
    WT_RUN(test_spd_calls_answer_unsupported);
    return wt_done();
}
