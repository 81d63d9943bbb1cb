/* Unit tests of plans: preconditions read from a simulated host, loading and validating plan files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "engine.h"
#include "host.h"
#include "plan.h"
#include "platform.h"

#ifndef _WIN32
#include <sys/stat.h>
#endif

static const char *const holder_scenario =
    "return {\n"
    "  policies = { { name = 'Corp-QM', guid = '{01c220a1-ffe6-5276-a889-86e4b4b5e1fe}', state = 'pending_deletion' },\n"
    "               { name = 'Server-Isolation', assigned = true } },\n"
    "  processes = { { pid = 4, name = 'System' }, { pid = 700, name = 'lsass.exe' },\n"
    "                { pid = 4242, name = 'vpnagent.exe' } },\n"
    "  handles = { { pid = 700, policy = 'Corp-QM' }, { pid = 4242, policy = 'Corp-QM' } },\n"
    "  nics = { { name = 'Ethernet0', ipsec_offload = true } },\n"
    "  registry = { ['HKLM\\\\SOFTWARE\\\\Contoso\\\\VPN'] = { Version = 7 } },\n"
    "}\n";

static void open_sim(mend_host *h, const char *text)
{
    static int n;
    char path[1024], state[1024];
    snprintf(path, sizeof path, "%s/plan-unit-%d.lua", MEND_TEST_TMP, n++);
    snprintf(state, sizeof state, "%s/plan-unit-state", MEND_TEST_TMP);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    char spec[1100];
    snprintf(spec, sizeof spec, "sim:%s", path);
    mend_host_config cfg = { .spec = spec, .dry_run = true, .state_dir = state, .data_dir = MEND_SOURCE_DIR,
                             .quiet = true };
    mend_err e;
    assert_int_equal(mend_host_open(h, &cfg, &e), 0);
}

/* The precondition of op with the JSON args, as a string the test frees. */
static char *pre(mend_host *h, const char *op, const char *target, const char *args_json)
{
    cJSON *args = cJSON_Parse(args_json);
    assert_non_null(args);
    char *s = mend_plan_precondition(h, op, target, args);
    cJSON_Delete(args);
    assert_non_null(s);
    return s;
}

static void expect_pre(mend_host *h, const char *op, const char *target, const char *args, const char *want)
{
    char *s = pre(h, op, target, args);
    assert_string_equal(s, want);
    free(s);
}

static void test_plan_delete_assumes_guid_state_and_non_system_holders(void **state)
{
    (void)state;
    mend_host h;
    open_sim(&h, holder_scenario);
    /* lsass holds one too: normal, so not part of what the delete assumes. */
    expect_pre(&h, "ipsec.delete", "Corp-QM", "[\"Corp-QM\"]",
               "policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; non-system holders: "
               "vpnagent.exe (pid 4242)");
    mend_err e;
    assert_int_equal(h.ops->proc.kill(h.ctx, 4242, &e), 0);
    expect_pre(&h, "ipsec.delete", "Corp-QM", "[\"Corp-QM\"]",
               "policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; no non-system holder");
    expect_pre(&h, "ipsec.delete", "Nope", "[\"Nope\"]", "no policy Nope");
    mend_host_close(&h);
}

static void test_plan_kill_assumes_pid_and_name(void **state)
{
    (void)state;
    mend_host h;
    open_sim(&h, holder_scenario);
    expect_pre(&h, "proc.kill", "vpnagent.exe (pid 4242)", "[4242]", "process 4242 vpnagent.exe");
    expect_pre(&h, "proc.kill", "x (pid 9999)", "[9999]", "no process 9999");
    mend_host_close(&h);
}

static void test_plan_unassign_nic_service_and_none(void **state)
{
    (void)state;
    mend_host h;
    open_sim(&h, holder_scenario);
    char *s = pre(&h, "ipsec.unassign", "Server-Isolation", "[\"Server-Isolation\", false]");
    assert_non_null(strstr(s, " active assigned"));
    free(s);
    expect_pre(&h, "nic.disable_ipsec_offload", "Ethernet0", "[\"Ethernet0\", false]",
               "NIC Ethernet0 with IPsec offload on");
    expect_pre(&h, "nic.disable_ipsec_offload", "Ethernet9", "[\"Ethernet9\", false]", "no NIC Ethernet9");
    expect_pre(&h, "svc.restart", "PolicyAgent", "[\"PolicyAgent\"]", "service PolicyAgent running");
    expect_pre(&h, "svc.restart", "NoSuch", "[\"NoSuch\"]", "no service NoSuch");
    expect_pre(&h, "sys.gpupdate", "/force", "[{\"force\": true}]", "nothing");
    expect_pre(&h, "sys.reboot", "x", "[]", "nothing");
    mend_host_close(&h);
}

static void test_plan_reg_delete_assumes_the_subtree_content(void **state)
{
    (void)state;
    mend_host h;
    open_sim(&h, holder_scenario);
    const char *key = "HKLM\\SOFTWARE\\Contoso";
    char *before = pre(&h, "reg.delete", key, "[]");
    assert_non_null(strstr(before, "key HKLM\\SOFTWARE\\Contoso with content fnv1a64:"));
    mend_err e;
    const unsigned char v8[4] = { 8, 0, 0, 0 };
    assert_int_equal(h.ops->reg.set(h.ctx, "HKLM\\SOFTWARE\\Contoso\\VPN", "Version", MEND_REG_DWORD, v8, 4, &e), 0);
    char *after = pre(&h, "reg.delete", key, "[]");
    assert_string_not_equal(before, after);   /* a value two levels down changed */
    free(before);
    free(after);
    expect_pre(&h, "reg.delete", "HKLM\\SOFTWARE\\Nothing", "[]", "no key HKLM\\SOFTWARE\\Nothing");
    mend_host_close(&h);
}

static void test_plan_hash_is_fnv1a64(void **state)
{
    (void)state;
    char out[32];
    mend_plan_hash("", out);
    assert_string_equal(out, "fnv1a64:cbf29ce484222325");
    mend_plan_hash("a", out);
    assert_string_equal(out, "fnv1a64:af63dc4c8601ec8c");
}

static char *write_tmp(const char *name, const char *text)
{
    char *path = malloc(1024);
    snprintf(path, 1024, "%s/%s", MEND_TEST_TMP, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void expect_load_error(const char *name, const char *text, const char *want)
{
    char *path = write_tmp(name, text);
    mend_err e;
    mend_plan *p = mend_plan_load(path, NULL, &e);
    assert_null(p);
    assert_int_equal(e.code, MEND_E_INVALID);
    if (!strstr(e.msg, want))
        fail_msg("'%s' lacks '%s'", e.msg, want);
    free(path);
}

static void test_plan_load_refuses_malformed_plans(void **state)
{
    (void)state;
    expect_load_error("p1.json", "{", "not valid JSON");
    expect_load_error("p1b.json", "{\"a\": tru}", "not valid JSON (at byte offset 6)");
    expect_load_error("p1c.json", "{\"mend_plan\": 2}\n \t{}", "2 bytes follow its JSON document, from byte offset 19");
    expect_load_error("p1d.json", "[1] ]", "1 byte follows its JSON document, from byte offset 4");
    expect_load_error("p2.json", "\"text\"", "not a JSON object");
    expect_load_error("p3.json", "{\"actions\": []}", "no \"mend_plan\" field");
    expect_load_error("p4.json", "{\"mend_plan\": 1, \"mend\": \"0.1.0\", \"actions\": []}",
                      "was written by mend 0.1.0; this is mend " MEND_VERSION);
    expect_load_error("p5.json", "{\"mend_plan\": 2, \"mend\": \"" MEND_VERSION "\", \"actions\": {}}",
                      "\"actions\" is not a list");
    expect_load_error("p6.json", "{\"mend_plan\": 2, \"mend\": \"" MEND_VERSION "\", \"actions\": [{\"op\": \"x\"}]}",
                      "step 1 has no \"call\" text");
    expect_load_error("p7.json", "{\"mend_plan\": 1, \"mend\": \"" MEND_VERSION "\", \"actions\": []}",
                      "unsigned plan of an earlier mend build");
}

static char *one_kill_plan(const char *name)
{
    char hash[32];
    mend_plan_hash("process 4242 vpnagent.exe", hash);
    char text[2048];
    snprintf(text, sizeof text,
             "{\"mend_plan\": 2, \"mend\": \"%s\", \"host\": \"sim\", \"actions\": [{\"op\": \"proc.kill\", "
             "\"call\": \"proc.kill\", \"target\": \"vpnagent.exe (pid 4242)\", \"args\": [4242], \"gate\": \"kill\", "
             "\"assumes\": \"process 4242 vpnagent.exe\", \"assumes_hash\": \"%s\", \"expect\": \"ok\", "
             "\"rung\": \"handle_check\"}]}",
             MEND_VERSION, hash);
    return write_tmp(name, text);
}

static void test_plan_load_reads_steps_and_gates(void **state)
{
    (void)state;
    char *path = one_kill_plan("good.json");
    mend_err e;
    mend_plan *p = mend_plan_load(path, NULL, &e);
    assert_non_null(p);
    assert_int_equal(mend_plan_count(p), 1);
    assert_int_equal(mend_plan_gates(p), MEND_GATE_KILL);
    char *t = mend_plan_text(p);
    /* The step line is the call apply makes, with its arguments, not the recorded description. */
    assert_non_null(strstr(t, "1. proc.kill(4242)   [gate: kill]"));
    assert_non_null(strstr(t, "on:      proc.kill vpnagent.exe (pid 4242)"));
    assert_non_null(strstr(t, "assumes: process 4242 vpnagent.exe"));
    assert_non_null(strstr(t, "mend apply needs --allow kill"));
    free(t);
    mend_plan_free(p);
    free(path);
}

static void test_plan_text_shows_control_characters_escaped(void **state)
{
    (void)state;
    /* A plan from elsewhere whose why would draw a fake step and clear the screen. */
    char *path = one_kill_plan("ctl.json");
    mend_err e;
    mend_plan *p = mend_plan_load(path, NULL, &e);
    assert_non_null(p);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(mend_read_file(path, &text, &len, &e), 0);
    char *at = strstr(text, "\"rung\": \"handle_check\"");
    assert_non_null(at);
    mend_plan_free(p);
    char edited[4096];
    snprintf(edited, sizeof edited, "%.*s\"why\": \"ok\\n  2. ipsec.delete(\\\"Other\\\")\\u001b[2J\\u0085\", %s",
             (int)(at - text), text, at);
    free(text);
    char *epath = write_tmp("ctl-edited.json", edited);
    p = mend_plan_load(epath, NULL, &e);
    assert_non_null(p);
    char *t = mend_plan_text(p);
    assert_non_null(t);
    assert_null(strstr(t, "\n  2. ipsec.delete"));
    assert_null(strchr(t, 0x1b));
    assert_non_null(strstr(t, "ok\\x0a  2. ipsec.delete(\"Other\")\\x1b[2J\\x85"));
    free(t);
    mend_plan_free(p);
    free(epath);
    free(path);
}

static void expect_refused(const char *path, const char *dir, const char *want)
{
    mend_err e;
    mend_plan *p = mend_plan_load(path, dir, &e);
    if (p)
        fail_msg("%s was accepted with the key of %s", path, dir);
    if (!strstr(e.msg, want))
        fail_msg("'%s' lacks '%s'", e.msg, want);
}

static void test_plan_signature_binds_content_and_host(void **state)
{
    (void)state;
    char dir[1024], other[1024];
    snprintf(dir, sizeof dir, "%s/plan-unit-keys/a", MEND_TEST_TMP);
    snprintf(other, sizeof other, "%s/plan-unit-keys/b", MEND_TEST_TMP);
    char *path = one_kill_plan("signed.json");
    expect_refused(path, dir, "is not signed");
    mend_err e;
    mend_plan *p = mend_plan_load(path, NULL, &e);
    assert_non_null(p);
    assert_int_equal(mend_plan_approve(p, dir, path, &e), 0);
    mend_plan_free(p);
    p = mend_plan_load(path, dir, &e);
    assert_non_null(p);   /* this host's signature over this content */
    mend_plan_free(p);
    expect_refused(path, other, "was signed on another host");
    /* One byte of one argument changed: 4242 -> 4243. */
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(mend_read_file(path, &text, &len, &e), 0);
    char *at = strstr(text, "[4242]");
    assert_non_null(at);
    at[4] = '3';
    char *edited = write_tmp("signed-edited.json", text);
    free(text);
    expect_refused(edited, dir, "was changed after it was signed");
    free(edited);
    free(path);
}

static void test_plan_key_is_private_and_stable(void **state)
{
    (void)state;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/plan-unit-keys/c", MEND_TEST_TMP);
    char *kp = mend_plan_key_path(dir);
    mend_remove(kp);
    unsigned char k1[MEND_PLAN_KEY_LEN], k2[MEND_PLAN_KEY_LEN];
    mend_err e;
    assert_int_equal(mend_plan_key_get(dir, false, k1, &e), -1);   /* none yet, none made */
    assert_int_equal(e.code, MEND_E_NOT_FOUND);
    assert_int_equal(mend_plan_key_get(dir, true, k1, &e), 0);
    assert_int_equal(mend_plan_key_get(dir, true, k2, &e), 0);
    assert_memory_equal(k1, k2, sizeof k1);   /* made once, then read */
#ifndef _WIN32
    struct stat st;
    assert_int_equal(stat(kp, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(kp, 0644), 0);
    assert_int_equal(mend_plan_key_get(dir, true, k2, &e), -1);   /* readable by others: refused */
    assert_non_null(strstr(e.msg, "can be read by others"));
    assert_int_equal(chmod(kp, 0600), 0);
#endif
    assert_true(mend_plan_key_behind(kp, kp, false));
    assert_true(mend_plan_key_behind(kp, dir, true));
    assert_false(mend_plan_key_behind(kp, dir, false));
    free(kp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_delete_assumes_guid_state_and_non_system_holders),
        cmocka_unit_test(test_plan_kill_assumes_pid_and_name),
        cmocka_unit_test(test_plan_unassign_nic_service_and_none),
        cmocka_unit_test(test_plan_reg_delete_assumes_the_subtree_content),
        cmocka_unit_test(test_plan_hash_is_fnv1a64),
        cmocka_unit_test(test_plan_load_refuses_malformed_plans),
        cmocka_unit_test(test_plan_load_reads_steps_and_gates),
        cmocka_unit_test(test_plan_signature_binds_content_and_host),
        cmocka_unit_test(test_plan_text_shows_control_characters_escaped),
        cmocka_unit_test(test_plan_key_is_private_and_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
