/* Shared helpers for the simulator tests. */
#include "sim_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform.h"

char *st_write(const char *text)
{
    static unsigned seq;
    char path[512];
    snprintf(path, sizeof path, "%s/sim-%ld-%u.lua", MEND_TEST_TMP, (long)getpid(), seq++);
    mend_err e;
    assert_int_equal(mend_write_file_atomic(path, text, strlen(text), &e), 0);
    return mend_strdup(path);
}

void st_open_file(mend_host *h, const char *path, bool dry_run)
{
    mend_host_config cfg = { .spec = "sim", .dry_run = dry_run, .quiet = true,
                             .state_dir = MEND_TEST_TMP, .data_dir = MEND_SOURCE_DIR };
    mend_err e;
    mend_err_clear(&e);
    int rc = sim_host_open(h, &cfg, path, &e);
    if (rc != 0)
        fail_msg("sim_host_open(%s): %s", path, e.msg);
}

void st_open(mend_host *h, const char *scenario)
{
    char *path = st_write(scenario);
    st_open_file(h, path, false);
    free(path);
}

char *st_read(const char *path, size_t *n)
{
    char *text;
    mend_err e;
    if (mend_read_file(path, &text, n, &e) != 0)
        fail_msg("%s", e.msg);
    return text;
}

char *st_copy_scenario(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/scenarios/%s%s.lua", MEND_SOURCE_DIR,
             strcmp(name, "demo") == 0 ? "" : "tests/", name);
    size_t len;
    char *text = st_read(path, &len);
    char *copy = st_write(text);
    free(text);
    return copy;
}

void st_assert_bytes(const char *path, const char *want, size_t n)
{
    size_t len;
    char *have = st_read(path, &len);
    assert_int_equal(len, n);
    assert_memory_equal(have, want, n);
    free(have);
}

void st_open_scenario(mend_host *h, const char *name)
{
    char *path = st_copy_scenario(name);
    st_open_file(h, path, false);
    free(path);
}

void st_commit_close(mend_host *h)
{
    mend_err e;
    if (h->ops->commit(h->ctx, &e) != 0)
        fail_msg("commit: %s", e.msg);
    mend_host_close(h);
}

void st_save_close(mend_host *h, const char *path)
{
    mend_err e;
    if (sim_state_save(sim_host_machine(h), path, &e) != 0)
        fail_msg("save: %s", e.msg);
    mend_host_close(h);
}

int st_state(mend_host *h, const char *name)
{
    mend_policy p;
    mend_err e;
    if (h->ops->ipsec.get(h->ctx, name, &p, &e) != 0) {
        assert_int_equal(e.code, MEND_E_NOT_FOUND);
        return -1;
    }
    int s = (int)p.state;
    mend_policy_clear(&p);
    return s;
}

bool st_assigned(mend_host *h, const char *name)
{
    mend_policy p;
    mend_err e;
    if (h->ops->ipsec.get(h->ctx, name, &p, &e) != 0)
        return false;
    bool a = p.assigned;
    mend_policy_clear(&p);
    return a;
}

mend_code st_call(int rc, const mend_err *e)
{
    return rc == 0 ? MEND_OK : e->code;
}

mend_code st_delete(mend_host *h, const char *name, mend_err *e)
{
    mend_err_clear(e);
    return st_call(h->ops->ipsec.delete_(h->ctx, name, e), e);
}

mend_code st_create(mend_host *h, const char *name, mend_err *e)
{
    mend_err_clear(e);
    return st_call(h->ops->ipsec.create(h->ctx, name, "re-created", e), e);
}

mend_code st_restart(mend_host *h, const char *service)
{
    mend_err e;
    if (h->ops->svc.stop(h->ctx, service, 30000, &e) != 0)
        return e.code;
    return st_call(h->ops->svc.start(h->ctx, service, 30000, &e), &e);
}

mend_svc_state st_svc_state(mend_host *h, const char *name)
{
    mend_service s;
    mend_err e;
    if (h->ops->svc.query(h->ctx, name, &s, &e) != 0)
        fail_msg("svc.query(%s): %s", name, e.msg);
    mend_svc_state st = s.state;
    mend_service_clear(&s);
    return st;
}

uint32_t st_pid_of(mend_host *h, const char *process)
{
    mend_process *a;
    size_t n;
    mend_err e;
    assert_int_equal(h->ops->proc.list(h->ctx, &a, &n, &e), 0);
    uint32_t pid = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].name, process) == 0)
            pid = a[i].pid;
    mend_process_free_list(a, n);
    return pid;
}

size_t st_count(mend_host *h)
{
    mend_policy *a;
    size_t n;
    mend_err e;
    assert_int_equal(h->ops->ipsec.list(h->ctx, &a, &n, &e), 0);
    mend_policy_free_list(a, n);
    return n;
}

int st_qm_state(mend_host *h, const char *name, uint32_t *refs)
{
    mend_spd_qm_policy *q;
    size_t n;
    mend_err e;
    assert_int_equal(h->ops->spd.qm_policies(h->ctx, &q, &n, &e), 0);
    int r = -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(q[i].name, name) != 0)
            continue;
        r = q[i].pending_deletion;
        if (refs)
            *refs = q[i].refs;
    }
    mend_spd_qm_policy_free_list(q, n);
    return r;
}

mend_code st_load_error(const char *text, mend_err *e)
{
    sim_machine *m = NULL;
    mend_err_clear(e);
    if (sim_scenario_load_buffer(text, strlen(text), "=test", &m, e) != 0) {
        assert_null(m);
        return e->code;
    }
    sim_machine_free(m);
    return MEND_OK;
}

void st_expect_load_error(const char *text, const char *fragment)
{
    mend_err e;
    assert_int_equal(st_load_error(text, &e), MEND_E_INVALID);
    if (!strstr(e.msg, fragment))
        fail_msg("expected '%s' in: %s", fragment, e.msg);
}
