/* The plan document: recorded steps, written and read as JSON, rendered as text for people. */
#include "plan.h"
#include "plan_private.h"
#include "buf.h"
#include "engine_private.h"
#include "platform.h"
#include "report.h"
#include "hmac_sha256.h"
#include "json_whole.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2: signed with the host's plan key (HMAC-SHA-256 over everything but the signature). */
#define PLAN_FORMAT 2

mend_plan *mend_plan_new(void)
{
    mend_plan *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->doc = cJSON_CreateObject();
    p->actions = cJSON_AddArrayToObject(p->doc, "actions");
    if (!p->actions) {
        mend_plan_free(p);
        return NULL;
    }
    return p;
}

void mend_plan_free(mend_plan *p)
{
    if (!p)
        return;
    cJSON_Delete(p->doc);
    free(p->last_rung);
    free(p->stop_why);
    free(p);
}

size_t mend_plan_count(const mend_plan *p)
{
    return p ? (size_t)cJSON_GetArraySize(p->actions) : 0;
}

const char *plan_call_of(const char *op)
{
    if (strcmp(op, "ipsec.unassign") == 0)
        return "ipsec.assign";
    if (strcmp(op, "nic.enable_ipsec_offload") == 0 || strcmp(op, "nic.disable_ipsec_offload") == 0)
        return "nic.set_ipsec_offload";
    return op;
}

const char *plan_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

unsigned mend_plan_gates(const mend_plan *p)
{
    unsigned mask = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, p->actions)
    {
        const char *g = plan_str(a, "gate");
        unsigned bit = 0;
        char why[128];
        if (g && mend_gate_parse(g, &bit, why, sizeof why) == 0)
            mask |= bit;
    }
    return mask;
}

static void gates_to_json(unsigned mask, cJSON *arr)
{
    for (unsigned bit = 1; bit <= MEND_GATE_ALL; bit <<= 1)
        if (mask & bit)
            cJSON_AddItemToArray(arr, cJSON_CreateString(mend_gate_name(bit)));
}

static void now_iso(char *buf, size_t size)
{
    struct tm tm;
    mend_gmtime((long long)floor(mend_wall_now()), &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Outcomes and advice of the dry-run: what the plan, applied, ends in. */
static void add_report(cJSON *doc, const mend_report *r)
{
    char *json = r ? mend_report_json_brief(r) : NULL;
    cJSON *rep = json ? cJSON_Parse(json) : NULL;
    free(json);
    cJSON *outcomes = cJSON_AddArrayToObject(doc, "outcomes");
    const cJSON *pol;
    cJSON_ArrayForEach(pol, cJSON_GetObjectItemCaseSensitive(rep, "policies"))
    {
        cJSON *o = cJSON_CreateObject();
        static const char *const fields[] = { "name", "before", "after", "outcome", "rung" };
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
            if (plan_str(pol, fields[i]))
                cJSON_AddStringToObject(o, fields[i], plan_str(pol, fields[i]));
        cJSON_AddItemToArray(outcomes, o);
    }
    cJSON *advice = cJSON_DetachItemFromObjectCaseSensitive(rep, "advice");
    cJSON_AddItemToObject(doc, "advice", advice ? advice : cJSON_CreateArray());
    cJSON_Delete(rep);
}

/* The bytes a signature covers: the whole document but its "signature", printed compactly. cJSON
 * prints what it parsed the same way again, so a plan read back gives the same bytes. */
static char *signed_bytes(const cJSON *doc)
{
    cJSON *copy = cJSON_Duplicate(doc, 1);
    if (!copy)
        return NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(copy, "signature");
    char *text = cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

static int mac_of(const cJSON *doc, const unsigned char key[MEND_PLAN_KEY_LEN], char hex[2 * MEND_SHA256_LEN + 1])
{
    char *text = signed_bytes(doc);
    if (!text)
        return -1;
    unsigned char mac[MEND_SHA256_LEN];
    mend_hmac_sha256(key, MEND_PLAN_KEY_LEN, text, strlen(text), mac);
    free(text);
    mend_hex(mac, sizeof mac, hex);
    return 0;
}

static int sign(cJSON *doc, const char *state_dir, mend_err *e)
{
    unsigned char key[MEND_PLAN_KEY_LEN];
    if (mend_plan_key_get(state_dir, true, key, e) != 0)
        return -1;
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "signature");
    char hex[2 * MEND_SHA256_LEN + 1], id[17];
    int rc = mac_of(doc, key, hex);
    mend_plan_key_id(key, id);
    memset(key, 0, sizeof key);
    cJSON *sig = rc == 0 ? cJSON_AddObjectToObject(doc, "signature") : NULL;
    if (!sig || !cJSON_AddStringToObject(sig, "alg", "hmac-sha256") || !cJSON_AddStringToObject(sig, "key", id) ||
        !cJSON_AddStringToObject(sig, "mac", hex))
        return mend_err_set(e, MEND_E_IO, 0, "out of memory signing the plan");
    return 0;
}

static int write_doc(const cJSON *doc, const char *path, mend_err *e)
{
    char *json = cJSON_Print(doc);
    if (!json)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory writing the plan");
    size_t len = strlen(json);
    json[len] = '\n';   /* the NUL becomes the final newline */
    int rc = mend_write_file_atomic(path, json, len + 1, e);
    if (rc != 0) {
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        mend_err_set(e, MEND_E_IO, 0, "cannot write the plan to %s: %s", path, why);
    }
    free(json);
    return rc;
}

int mend_plan_write(mend_plan *p, const mend_engine *eng, const char *command, const char *path, mend_err *e)
{
    cJSON *doc = p->doc;
    char when[64];
    now_iso(when, sizeof when);
    /* Steps no later mend.step explained keep the last rung the script named. */
    cJSON *a;
    cJSON_ArrayForEach(a, p->actions)
    {
        if (!plan_str(a, "rung"))
            cJSON_AddStringToObject(a, "rung", p->last_rung ? p->last_rung : "script");
    }
    cJSON_AddNumberToObject(doc, "mend_plan", PLAN_FORMAT);
    cJSON_AddStringToObject(doc, "mend", MEND_VERSION);
    cJSON_AddStringToObject(doc, "host", eng->host.ops && eng->host.ops->name ? eng->host.ops->name : "?");
    cJSON_AddStringToObject(doc, "created", when);
    cJSON_AddStringToObject(doc, "command", command ? command : "");
    gates_to_json(mend_plan_gates(p), cJSON_AddArrayToObject(doc, "gates"));
    add_report(doc, eng->report);
    if (sign(doc, eng->state_dir, e) != 0)
        return -1;
    return write_doc(doc, path, e);
}

int mend_plan_approve(mend_plan *p, const char *state_dir, const char *path, mend_err *e)
{
    if (sign(p->doc, state_dir, e) != 0)
        return -1;
    return write_doc(p->doc, path, e);
}

/* 0 when doc carries this host's signature over exactly its content; else a sentence in e. */
static int check_signature(const cJSON *doc, const char *path, const char *state_dir, mend_err *e)
{
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(doc, "signature");
    const char *alg = plan_str(sig, "alg"), *id = plan_str(sig, "key"), *mac = plan_str(sig, "mac");
    if (!alg || !id || !mac || strcmp(alg, "hmac-sha256") != 0 || strlen(mac) != 2 * MEND_SHA256_LEN)
        return mend_err_set(e, MEND_E_INVALID, 0, "%s is not signed by a mend host: mend apply runs only plans "
                            "made or approved on this host; make it here (mend fix ... --plan) or review and "
                            "sign it with: mend plan approve %s. Nothing was done.", path, path);
    unsigned char key[MEND_PLAN_KEY_LEN];
    mend_err ke;
    char mine[17] = "none";
    bool have = mend_plan_key_get(state_dir, false, key, &ke) == 0;
    if (!have && ke.code != MEND_E_NOT_FOUND)
        return mend_err_set(e, MEND_E_INVALID, 0, "%s", ke.msg);
    if (have)
        mend_plan_key_id(key, mine);
    if (!have || strcmp(id, mine) != 0) {
        memset(key, 0, sizeof key);
        return mend_err_set(e, MEND_E_INVALID, 0, "%s was signed on another host (key %s; this host's is %s): "
                            "mend apply runs only plans made or approved on this host; make it here, or review "
                            "and sign it with: mend plan approve %s. Nothing was done.", path, id, mine, path);
    }
    char hex[2 * MEND_SHA256_LEN + 1];
    int rc = mac_of(doc, key, hex);
    memset(key, 0, sizeof key);
    if (rc != 0)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory checking the plan");
    if (!mend_ct_equal(hex, mac, sizeof hex - 1))
        return mend_err_set(e, MEND_E_INVALID, 0, "%s was changed after it was signed (its signature does not "
                            "match its content): refused whole. Make the plan again, or review and sign it with: "
                            "mend plan approve %s. Nothing was done.", path, path);
    return 0;
}

const char *mend_plan_signature_note(const mend_plan *p, const char *state_dir)
{
    static char note[1024];
    mend_err e;
    if (check_signature(p->doc, "this plan", state_dir, &e) == 0)
        return "this plan is already signed with this host's key";
    snprintf(note, sizeof note, "%s", e.msg);
    char *cut = strstr(note, ": mend apply runs only");
    if (!cut)
        cut = strstr(note, ": refused whole");
    if (cut)
        *cut = '\0';
    return note;
}

static int bad(mend_err *e, const char *path, const char *what)
{
    return mend_err_set(e, MEND_E_INVALID, 0, "%s is not a usable mend plan: %s", path, what);
}

static int validate(const cJSON *doc, const char *path, const char *state_dir, mend_err *e)
{
    if (!cJSON_IsObject(doc))
        return bad(e, path, "not a JSON object (make it with mend fix ... --plan FILE)");
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(doc, "mend_plan");
    if (!cJSON_IsNumber(fmt))
        return bad(e, path, "no \"mend_plan\" field (make it with mend fix ... --plan FILE)");
    const char *ver = plan_str(doc, "mend");
    if (!ver)
        return bad(e, path, "no \"mend\" version field");
    if (strcmp(ver, MEND_VERSION) == 0 && fmt->valuedouble != PLAN_FORMAT)
        return mend_err_set(e, MEND_E_INVALID, 0, "%s is an unsigned plan of an earlier mend build (plan format %g, "
                            "this mend writes %d): make the plan again with this mend", path, fmt->valuedouble,
                            PLAN_FORMAT);
    if (strcmp(ver, MEND_VERSION) != 0 || fmt->valuedouble != PLAN_FORMAT)
        return mend_err_set(e, MEND_E_INVALID, 0, "%s was written by mend %s; this is mend %s: make the plan "
                            "again with this version", path, ver, MEND_VERSION);
    if (state_dir && check_signature(doc, path, state_dir, e) != 0)
        return -1;
    const cJSON *acts = cJSON_GetObjectItemCaseSensitive(doc, "actions");
    if (!cJSON_IsArray(acts))
        return bad(e, path, "\"actions\" is not a list");
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, acts)
    {
        i++;
        char what[160];
        static const char *const need[] = { "op", "call", "target", "assumes", "assumes_hash", "expect" };
        for (size_t k = 0; k < sizeof need / sizeof *need; k++)
            if (!plan_str(a, need[k])) {
                snprintf(what, sizeof what, "step %d has no \"%s\" text", i, need[k]);
                return bad(e, path, what);
            }
        if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(a, "args"))) {
            snprintf(what, sizeof what, "step %d has no \"args\" list", i);
            return bad(e, path, what);
        }
        if (strcmp(plan_call_of(plan_str(a, "op")), plan_str(a, "call")) != 0) {
            snprintf(what, sizeof what, "step %d calls %.40s for %.40s", i, plan_str(a, "call"), plan_str(a, "op"));
            return bad(e, path, what);
        }
        char hash[32];
        mend_plan_hash(plan_str(a, "assumes"), hash);
        if (strcmp(hash, plan_str(a, "assumes_hash")) != 0) {
            snprintf(what, sizeof what, "step %d: its assumption does not match its hash (edited by hand?)", i);
            return bad(e, path, what);
        }
    }
    return 0;
}

mend_plan *mend_plan_load(const char *path, const char *state_dir, mend_err *e)
{
    char *buf = NULL;
    size_t len = 0;
    if (mend_read_file(path, &buf, &len, e) != 0)
        return NULL;
    char why[128];
    cJSON *doc = mend_json_parse_whole(buf, len, why, sizeof why);
    free(buf);
    if (!doc) {
        /* Bytes after the document are outside what the signature covers: refused whole. */
        if (strncmp(why, "not valid JSON", 14) == 0)
            bad(e, path, why);
        else
            mend_err_set(e, MEND_E_INVALID, 0, "%s is not a usable mend plan: %s (a plan is one JSON document "
                         "as mend wrote it; no signature covers what follows it): refused whole. Nothing was "
                         "done.", path, why);
        return NULL;
    }
    if (validate(doc, path, state_dir, e) != 0) {
        cJSON_Delete(doc);
        return NULL;
    }
    mend_plan *p = calloc(1, sizeof *p);
    if (!p) {
        cJSON_Delete(doc);
        mend_err_set(e, MEND_E_IO, 0, "out of memory");
        return NULL;
    }
    p->doc = doc;
    p->actions = cJSON_GetObjectItemCaseSensitive(doc, "actions");
    return p;
}

/* ---- the text rendering ---- */

char *plan_call_text(const cJSON *a)
{
    char *args = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(a, "args"));
    const char *call = plan_str(a, "call");
    size_t n = (args ? strlen(args) : 0) + (call ? strlen(call) : 1) + 3;
    char *out = malloc(n);
    if (out) {
        /* The args list without its brackets: exactly what apply passes, JSON-escaped. */
        size_t alen = args && strlen(args) >= 2 ? strlen(args) - 2 : 0;
        snprintf(out, n, "%s(%.*s)", call ? call : "?", (int)alen, args ? args + 1 : "");
    }
    free(args);
    return out;
}

/* Appends up to three strings (NULL ones skipped): a line of the plan's text. */
static void tb_add(mend_buf *b, const char *a, const char *c, const char *d)
{
    const char *parts[3] = { a, c, d };
    for (int i = 0; i < 3; i++)
        if (parts[i])
            mend_buf_str(b, parts[i]);
}

char *plan_defang(const char *s)
{
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        n += *c < 0x20 || *c == 0x7f || (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f) ? 4 : 1;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) {
            o += sprintf(o, "\\x%02x", *c);
        } else if (c[0] == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f) {
            o += sprintf(o, "\\x%02x", c[1]);   /* a C1 control: ESC [ to many terminals */
            c++;
        } else {
            *o++ = (char)*c;
        }
    }
    *o = '\0';
    return out;
}

/* Every string of the tree with its control characters shown as \xNN: a plan from elsewhere cannot
 * draw a fake step or move the cursor in the text people approve. */
static bool defang_tree(cJSON *v)
{
    cJSON *c;
    cJSON_ArrayForEach(c, v)
    {
        if (!defang_tree(c))
            return false;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return true;
    char *safe = plan_defang(v->valuestring);
    bool ok = safe && (strcmp(safe, v->valuestring) == 0 || cJSON_SetValuestring(v, safe) != NULL);
    free(safe);
    return ok;
}

char *mend_plan_text(const mend_plan *p)
{
    mend_buf b = { 0 };
    cJSON *copy = cJSON_Duplicate(p->doc, 1);
    if (!copy || !defang_tree(copy)) {
        cJSON_Delete(copy);
        return NULL;
    }
    mend_plan safe = *p;
    safe.doc = copy;
    safe.actions = cJSON_GetObjectItemCaseSensitive(copy, "actions");
    p = &safe;
    const cJSON *d = p->doc;
    tb_add(&b, "mend plan (mend ", plan_str(d, "mend"), ")\n");
    tb_add(&b, "  made:    ", plan_str(d, "created"), "\n");
    tb_add(&b, "  on host: ", plan_str(d, "host"), "\n");
    tb_add(&b, "  by:      ", plan_str(d, "command"), "\n");
    char line[1024];
    unsigned gates = mend_plan_gates(p);
    char gl[128];
    mend_gate_list(gates, gl, sizeof gl);
    tb_add(&b, "  gates:   ", *gl ? gl : "none", *gl ? " (mend apply needs --allow " : "\n");
    if (*gl)
        tb_add(&b, gl, ")\n", NULL);
    size_t n = mend_plan_count(p);
    snprintf(line, sizeof line, "\n%lu step%s:\n", (unsigned long)n, n == 1 ? "" : "s");
    tb_add(&b, line, n ? NULL : "  (nothing to do)\n", NULL);
    int i = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, p->actions)
    {
        /* What apply executes, rendered from the fields it executes: the call and its arguments. */
        char *call = plan_call_text(a);
        snprintf(line, sizeof line, "  %d. ", ++i);
        tb_add(&b, line, call ? call : "?", plan_str(a, "gate") ? "   [gate: " : "");
        free(call);
        tb_add(&b, plan_str(a, "gate"), plan_str(a, "gate") ? "]" : "", "\n");
        tb_add(&b, "     on:      ", plan_str(a, "op"), " ");
        tb_add(&b, plan_str(a, "target"), "\n", NULL);
        tb_add(&b, "     why:     ", plan_str(a, "rung"), NULL);
        tb_add(&b, plan_str(a, "policy") ? " (" : "", plan_str(a, "policy"), plan_str(a, "policy") ? ")" : "");
        tb_add(&b, plan_str(a, "why") ? ": " : "", plan_str(a, "why"), "\n");
        tb_add(&b, "     assumes: ", plan_str(a, "assumes"), "\n");
        const char *ex = plan_str(a, "expect");
        if (ex && strcmp(ex, "ok") != 0)
            tb_add(&b, "     expects: fails with ", ex, " (a later step answers it)\n");
        else
            tb_add(&b, "     expects: success\n", NULL, NULL);
    }
    const cJSON *o;
    bool first = true;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(d, "outcomes"))
    {
        if (!plan_str(o, "outcome"))
            continue;
        tb_add(&b, first ? "\nexpected outcome:\n" : "", "  ", plan_str(o, "name"));
        tb_add(&b, ": ", plan_str(o, "outcome"), NULL);
        tb_add(&b, plan_str(o, "after") ? " (after: " : "", plan_str(o, "after"), plan_str(o, "after") ? ")" : "");
        tb_add(&b, "\n", NULL, NULL);
        first = false;
    }
    first = true;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(d, "advice"))
    {
        if (cJSON_IsString(o))
            tb_add(&b, first ? "\nadvice:\n  " : "  ", o->valuestring, "\n");
        first = false;
    }
    cJSON_Delete(copy);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
