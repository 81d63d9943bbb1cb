/* Wine test of the win32 event-log reader: Wine's wevtapi.dll is a stub, so events.recent answers unsupported, cleanly. */
#include "wt.h"

static void test_events_recent_answers_unsupported_under_wine(void)
{
    mend_host h = wt_host();
    mend_err e;
    mend_event *ev = (mend_event *)&e;
    size_t n = 7;
    int rc = h.ops->events.recent(h.ctx, 0, &ev, &n, &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_UNSUPPORTED, "events.recent: rc %d, code %d, %s", rc, (int)e.code, e.msg);
    WT_CHECK(strstr(e.msg, "the event log cannot be read here") != NULL, "message: %s", e.msg);
    WT_CHECK(ev == NULL && n == 0, "no list on failure");
    /* Asked again, the same answer: nothing was left half open. */
    rc = h.ops->events.recent(h.ctx, 1e9, &ev, &n, &e);
    WT_CHECK(rc != 0 && e.code == MEND_E_UNSUPPORTED, "again: rc %d, %s", rc, e.msg);
    mend_host_close(&h);
}

int main(void)
{
    WT_RUN(test_events_recent_answers_unsupported_under_wine);
    return wt_done();
}
