/* The run's report: policies, steps, action counters and advice, as DESIGN's JSON document. */
#include "report.h"
#include "term.h"
#include "engine.h"
#include "engine_private.h"
#include "platform.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A string-keyed open-addressing set: policies by name, advice lines by text. Keys are
 * borrowed from the cJSON items they index. */
typedef struct str_map {
    const char **keys;
    cJSON **vals;
    size_t cap, n;
} str_map;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static cJSON *map_get(const str_map *m, const char *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return NULL;
        if (strcmp(m->keys[i], key) == 0)
            return m->vals[i];
    }
}

static int map_put(str_map *m, const char *key, cJSON *val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        const char **nk = calloc(ncap, sizeof *nk);
        cJSON **nv = calloc(ncap, sizeof *nv);
        if (!nk || !nv) {
            free(nk);
            free(nv);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = hash_str(m->keys[i]) & (ncap - 1);
            while (nk[j])
                j = (j + 1) & (ncap - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        free(m->keys);
        free(m->vals);
        m->keys = nk;
        m->vals = nv;
        m->cap = ncap;
    }
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return 0;
}

static void map_free(str_map *m)
{
    free(m->keys);
    free(m->vals);
}

struct mend_report {
    char *host;
    bool dry_run;
    long counters[MEND_COUNT__N];
    cJSON *policies;  /* array of policy objects, first-recorded order */
    str_map by_name;
    cJSON *steps;     /* steps not tied to a policy */
    cJSON *advice;
    str_map advice_seen;
    char *error;      /* set by mend_report_fail */
    const char *forced; /* mend_report_set_outcome: a static string, NULL = derived */
    bool failed;
    cJSON *down;      /* services mend stopped that are not running again (names) */
};

static const char *const counter_names[MEND_COUNT__N] = {
    "deletes", "gpupdates", "service_restarts", "reboots", "kills", "registry_deletes", "unassigns",
    "offload_changes", "creates", "assigns", "service_starts", "service_stops", "registry_writes",
    "adapter_restarts", "spd_sa_deletes", "spd_qm_deletes",
};

const char *mend_counter_name(mend_counter c)
{
    if (c < 0 || c >= MEND_COUNT__N)
        return NULL;
    return counter_names[c];
}

mend_report *mend_report_new(const char *host_name, bool dry_run)
{
    mend_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->host = mend_dupstr(host_name ? host_name : "");
    r->dry_run = dry_run;
    r->policies = cJSON_CreateArray();
    r->steps = cJSON_CreateArray();
    r->advice = cJSON_CreateArray();
    if (!r->host || !r->policies || !r->steps || !r->advice) {
        mend_report_free(r);
        return NULL;
    }
    return r;
}

void mend_report_free(mend_report *r)
{
    if (!r)
        return;
    free(r->host);
    free(r->error);
    cJSON_Delete(r->policies);
    cJSON_Delete(r->steps);
    cJSON_Delete(r->advice);
    cJSON_Delete(r->down);
    map_free(&r->by_name);
    map_free(&r->advice_seen);
    free(r);
}

void mend_report_count(mend_report *r, mend_counter c)
{
    if (r && c >= 0 && c < MEND_COUNT__N)
        r->counters[c]++;
}

long mend_report_counter(const mend_report *r, mend_counter c)
{
    if (!r || c < 0 || c >= MEND_COUNT__N)
        return 0;
    return r->counters[c];
}

static cJSON *find_policy(const mend_report *r, const char *name)
{
    return map_get(&r->by_name, name);
}

static cJSON *get_policy(mend_report *r, const char *name)
{
    cJSON *p = find_policy(r, name);
    if (p)
        return p;
    p = cJSON_CreateObject();
    if (!p)
        return NULL;
    cJSON *name_item = cJSON_AddStringToObject(p, "name", name);
    cJSON_AddNullToObject(p, "before");
    cJSON_AddNullToObject(p, "after");
    cJSON_AddNullToObject(p, "outcome");
    cJSON_AddNullToObject(p, "rung");
    cJSON_AddArrayToObject(p, "steps");
    if (!name_item || !cJSON_GetObjectItemCaseSensitive(p, "steps") ||
        map_put(&r->by_name, name_item->valuestring, p) != 0) {
        cJSON_Delete(p);
        return NULL;
    }
    cJSON_AddItemToArray(r->policies, p);
    return p;
}

void mend_report_step(mend_report *r, const char *policy, struct cJSON *step)
{
    if (!r || !step)
        return;
    cJSON *target = r->steps;
    if (policy) {
        cJSON *p = get_policy(r, policy);
        target = p ? cJSON_GetObjectItemCaseSensitive(p, "steps") : NULL;
    }
    if (!target || !cJSON_AddItemToArray(target, step))
        cJSON_Delete(step);
}

void mend_report_policy_set(mend_report *r, const char *policy, const char *field, const char *value)
{
    if (!r || !policy || !field || strcmp(field, "name") == 0 || strcmp(field, "steps") == 0)
        return;
    cJSON *p = get_policy(r, policy);
    if (!p)
        return;
    cJSON *v = value ? cJSON_CreateString(value) : cJSON_CreateNull();
    if (!v)
        return;
    if (cJSON_GetObjectItemCaseSensitive(p, field))
        cJSON_ReplaceItemInObjectCaseSensitive(p, field, v);
    else
        cJSON_AddItemToObject(p, field, v);
}

const char *mend_report_policy_get(const mend_report *r, const char *policy, const char *field)
{
    if (!r || !policy || !field)
        return NULL;
    const cJSON *p = find_policy(r, policy);
    const cJSON *v = p ? cJSON_GetObjectItemCaseSensitive(p, field) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

size_t mend_report_policy_count(const mend_report *r)
{
    return r ? r->by_name.n : 0;
}

void mend_report_advise(mend_report *r, const char *text)
{
    if (!r || !text || map_get(&r->advice_seen, text))
        return;
    cJSON *s = cJSON_CreateString(text);
    if (!s)
        return;
    if (map_put(&r->advice_seen, s->valuestring, s) != 0) {
        cJSON_Delete(s);
        return;
    }
    cJSON_AddItemToArray(r->advice, s);
}

void mend_report_fail(mend_report *r, const char *message)
{
    if (!r)
        return;
    r->failed = true;
    if (message && !r->error)
        r->error = mend_dupstr(message);
}

static bool is(const char *s, const char *what)
{
    return s && strcmp(s, what) == 0;
}

bool mend_report_set_outcome(mend_report *r, const char *outcome)
{
    static const char *const known[] = { "fixed", "healthy", "partial", "not_found", "reboot_required", "failed" };
    for (size_t i = 0; r && outcome && i < sizeof known / sizeof known[0]; i++)
        if (is(outcome, known[i])) {
            r->forced = known[i];
            return true;
        }
    return false;
}

const char *mend_report_outcome(const mend_report *r)
{
    if (!r || r->failed)
        return "failed";
    if (r->forced)
        return r->forced;
    size_t fixed = 0, reboot = 0, other_problems = 0;
    const cJSON *p;
    cJSON_ArrayForEach(p, r->policies) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(p, "outcome");
        if (!cJSON_IsString(o))
            continue; /* a policy the script only noted steps for decides nothing */
        const char *s = o->valuestring;
        if (is(s, "fixed"))
            fixed++;
        else if (is(s, "healthy") || is(s, "not_found"))
            ;
        else if (is(s, "reboot_required"))
            reboot++;
        else
            other_problems++;
    }
    /* A service mend stopped and could not start again leaves the machine worse than found. */
    if (reboot == 0 && other_problems == 0)
        return mend_report_services_down(r) ? "partial" : fixed ? "fixed" : "healthy";
    if (other_problems == 0)
        return "reboot_required";
    return fixed ? "partial" : "failed";
}

static bool same_service(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

void mend_report_service_down(mend_report *r, const char *service, bool down)
{
    if (!r || !service)
        return;
    if (!r->down && !(r->down = cJSON_CreateArray()))
        return;
    int i = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, r->down) {
        if (cJSON_IsString(s) && same_service(s->valuestring, service)) {
            if (!down)
                cJSON_DeleteItemFromArray(r->down, i);
            return;
        }
        i++;
    }
    if (down)
        cJSON_AddItemToArray(r->down, cJSON_CreateString(service));
}

size_t mend_report_services_down(const mend_report *r)
{
    return r && r->down ? (size_t)cJSON_GetArraySize(r->down) : 0;
}

int mend_report_exit_code(const mend_report *r, int exit_style)
{
    const char *o = mend_report_outcome(r);
    if (is(o, "fixed") || is(o, "healthy"))
        return 0;
    if (is(o, "reboot_required")) {
        if (exit_style == MEND_EXIT_SCCM)
            return mend_report_counter(r, MEND_COUNT_REBOOTS) > 0 ? 1641 : 3010;
        return 3;
    }
    return 1;
}

char *mend_report_json(const mend_report *r, bool pretty)
{
    if (!r)
        return NULL;
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddStringToObject(doc, "mend", MEND_VERSION);
    cJSON_AddStringToObject(doc, "host", r->host);
    cJSON_AddBoolToObject(doc, "dry_run", r->dry_run);
    cJSON_AddStringToObject(doc, "outcome", mend_report_outcome(r));
    /* Borrow the arrays as references so serialising never copies 10,000 policies. */
    cJSON_AddItemReferenceToObject(doc, "policies", r->policies);
    cJSON *actions = cJSON_AddObjectToObject(doc, "actions");
    for (int c = 0; c < MEND_COUNT__N && actions; c++)
        cJSON_AddNumberToObject(actions, counter_names[c], (double)r->counters[c]);
    cJSON_AddItemReferenceToObject(doc, "advice", r->advice);
    if (cJSON_GetArraySize(r->steps) > 0)
        cJSON_AddItemReferenceToObject(doc, "steps", r->steps);
    if (r->error)
        cJSON_AddStringToObject(doc, "error", r->error);
    char *out = pretty ? cJSON_Print(doc) : cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    return out;
}

int mend_report_write(const mend_report *r, const char *path, mend_err *e)
{
    char *json = mend_report_json(r, true);
    if (!json)
        return mend_err_set(e, MEND_E_IO, 0, "out of memory writing the report");
    size_t n = strlen(json);
    char *text = realloc(json, n + 2);
    if (!text) {
        free(json);
        return mend_err_set(e, MEND_E_IO, 0, "out of memory writing the report");
    }
    text[n] = '\n';
    text[n + 1] = '\0';
    char *dir = mend_dirname(path);
    int rc = dir && strcmp(dir, ".") != 0 ? mend_mkdirs(dir, e) : 0;
    free(dir);
    if (rc == 0)
        rc = mend_write_file_atomic(path, text, n + 1, e);
    free(text);
    return rc;
}

/* ---- the human summary ---- */

/* Display width in code points, so names in any script line up. */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static const char *field_or_dash(const cJSON *p, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, field);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : "-";
}

static void pad(FILE *out, const char *s, size_t w, bool last)
{
    mend_term_puts(out, s, MEND_TERM_ONE_LINE);
    if (last)
        return;
    for (size_t k = width(s); k < w + 2; k++)
        fputc(' ', out);
}

void mend_report_print_summary(const mend_report *r, FILE *out)
{
    if (!r)
        return;
    static const char *const cols[] = {"name", "before", "after", "outcome", "rung"};
    static const char *const heads[] = {"POLICY", "BEFORE", "AFTER", "OUTCOME", "RUNG"};
    enum { NCOL = 5, MAX_NAME_COL = 48 };
    size_t w[NCOL];
    for (int c = 0; c < NCOL; c++)
        w[c] = width(heads[c]);
    const cJSON *p;
    cJSON_ArrayForEach(p, r->policies) {
        for (int c = 0; c < NCOL; c++) {
            size_t k = width(field_or_dash(p, cols[c]));
            if (k > w[c])
                w[c] = k;
        }
    }
    /* One absurdly long name should not push every row off the screen. */
    if (w[0] > MAX_NAME_COL)
        w[0] = MAX_NAME_COL;
    if (cJSON_GetArraySize(r->policies) > 0) {
        for (int c = 0; c < NCOL; c++)
            pad(out, heads[c], w[c], c == NCOL - 1);
        fputc('\n', out);
        cJSON_ArrayForEach(p, r->policies) {
            for (int c = 0; c < NCOL; c++)
                pad(out, field_or_dash(p, cols[c]), w[c], c == NCOL - 1);
            fputc('\n', out);
        }
    }
    fprintf(out, "%soutcome: %s%s\n", cJSON_GetArraySize(r->policies) ? "\n" : "", mend_report_outcome(r),
            r->dry_run ? " (dry run: nothing was changed)" : "");
    if (cJSON_GetArraySize(r->advice) > 0) {
        fputs("\nadvice:\n", out);
        const cJSON *a;
        cJSON_ArrayForEach(a, r->advice)
        {
            fputs("  - ", out);
            mend_term_puts(out, a->valuestring, MEND_TERM_ONE_LINE);
            fputc('\n', out);
        }
    }
    fflush(out);
}
