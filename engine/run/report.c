/* The run's report as it is recorded: policies, steps, counters, advice, the script's data. */
#include "report.h"
#include "report_private.h"
#include "term.h"
#include "engine.h"
#include "engine_private.h"
#include "platform.h"
#include "ascii.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Eight bytes a step (names and messages are tens of bytes, hashed once per step recorded),
 * mixed at the end so the low bits the tables use depend on every byte. */
static uint64_t hash_str(const char *s)
{
    size_t n = strlen(s), i = 0;
    uint64_t h = 1469598103934665603ULL ^ n, x;
    for (; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        h = (h ^ x) * 1099511628211ULL;
        h ^= h >> 31;
    }
    x = 0;
    memcpy(&x, s + i, n - i);
    h ^= x;   /* MurmurHash3's finaliser: every input bit reaches the low bits */
    h = (h ^ (h >> 33)) * 0xff51afd7ed558ccdULL;
    h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

/* ---- interned strings ---- */

static uint32_t strs_find(const rep_strings *t, const char *s, size_t *slot)
{
    if (!t->nslots)
        return 0;
    size_t i = hash_str(s) & (t->nslots - 1);
    for (;; i = (i + 1) & (t->nslots - 1)) {
        uint32_t id = t->slots[i];
        if (!id || strcmp(t->strs[id], s) == 0) {
            *slot = i;
            return id;
        }
    }
}

static int strs_grow_slots(rep_strings *t)
{
    uint32_t ncap = t->nslots ? t->nslots * 2 : 1024;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (uint32_t id = 1; id < t->n; id++) {
        size_t j = hash_str(t->strs[id]) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = id;
    }
    free(t->slots);
    t->slots = ns;
    t->nslots = ncap;
    return 0;
}

/* Copies s into the arena; blocks never move, so the texts handed out stay valid. */
static char *strs_store(rep_strings *t, const char *s, size_t len)
{
    enum { BLOCK = 256 * 1024 };
    if (!t->block || t->block_used + len + 1 > t->block_size) {
        size_t size = len + 1 > BLOCK ? len + 1 : BLOCK;
        char **nb = realloc(t->blocks, (t->nblocks + 1) * sizeof *nb);
        if (!nb)
            return NULL;
        t->blocks = nb;
        if (!(t->block = malloc(size)))
            return NULL;
        t->blocks[t->nblocks++] = t->block;
        t->block_used = 0;
        t->block_size = size;
    }
    char *p = t->block + t->block_used;
    memcpy(p, s, len + 1);
    t->block_used += len + 1;
    return p;
}

/* The id of s, added when new; 0 for NULL or when out of memory. */
static uint32_t intern(rep_strings *t, const char *s)
{
    if (!s)
        return 0;
    size_t slot = 0;
    uint32_t id = strs_find(t, s, &slot);
    if (id)
        return id;
    if (!t->n)
        t->n = 1; /* id 0 is "none" */
    if ((t->n + 1) * 2 > t->nslots) {
        if (strs_grow_slots(t) != 0)
            return 0;
        strs_find(t, s, &slot);
    }
    if (t->n >= t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 1024;
        const char **ns = realloc(t->strs, ncap * sizeof *ns);
        if (ns)
            t->strs = ns;
        uint32_t *nm = ns ? realloc(t->meta, ncap * sizeof *nm) : NULL;
        if (!nm)
            return 0;
        t->meta = nm;
        t->cap = ncap;
    }
    size_t len = strlen(s);
    char *copy = strs_store(t, s, len);
    if (!copy)
        return 0;
    bool special = len >= UINT32_MAX >> 1;
    for (size_t i = 0; i < len && !special; i++)
        special = rep_json_special((unsigned char)s[i]);
    id = t->n++;
    t->strs[id] = copy;
    t->meta[id] = special ? 1 : (uint32_t)len << 1;
    t->slots[slot] = id;
    return id;
}

static void strs_free(rep_strings *t)
{
    for (size_t i = 0; i < t->nblocks; i++)
        free(t->blocks[i]);
    free(t->blocks);
    free(t->strs);
    free(t->meta);
    free(t->slots);
}

static const char *const counter_names[MEND_COUNT__N] = {
    "deletes", "gpupdates", "service_restarts", "reboots", "kills", "registry_deletes", "unassigns",
    "offload_changes", "creates", "assigns", "service_starts", "service_stops", "registry_writes",
    "adapter_restarts", "spd_sa_deletes", "spd_qm_deletes",
    "spd_filter_deletes",
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
    r->computer = mend_computer_name();
    r->dry_run = dry_run;
    r->started = mend_wall_now();
    r->exit_code = -1;
    if (!r->host) {
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
    free(r->computer);
    free(r->error);
    strs_free(&r->str);
    free(r->pol);
    free(r->pol_slots);
    free(r->steps);
    free(r->advice);
    free(r->advice_slots);
    for (size_t i = 0; i < r->ndata; i++) {
        free(r->data[i].key);
        free(r->data[i].json);
    }
    free(r->data);
    for (size_t i = 0; i < r->ndown; i++)
        free(r->down[i]);
    free(r->down);
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

static uint32_t find_policy_slot(const mend_report *r, uint32_t name_id, size_t *at)
{
    if (!r->npol_slots)
        return 0;
    size_t i = ((size_t)name_id * 2654435761u) & (r->npol_slots - 1);
    for (;; i = (i + 1) & (r->npol_slots - 1)) {
        uint32_t v = r->pol_slots[i];
        if (!v || r->pol[v - 1].name == name_id) {
            if (at)
                *at = i;
            return v;
        }
    }
}

static rep_policy *find_policy(const mend_report *r, const char *name)
{
    size_t slot = 0;
    if (!r->str.nslots || !name)
        return NULL;
    uint32_t id = strs_find(&r->str, name, &slot);
    uint32_t v = id ? find_policy_slot(r, id, NULL) : 0;
    return v ? &r->pol[v - 1] : NULL;
}

static int pol_slots_grow(mend_report *r)
{
    size_t ncap = r->npol_slots ? r->npol_slots * 2 : 256;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t k = 0; k < r->npol; k++) {
        size_t i = ((size_t)r->pol[k].name * 2654435761u) & (ncap - 1);
        while (ns[i])
            i = (i + 1) & (ncap - 1);
        ns[i] = (uint32_t)k + 1;
    }
    free(r->pol_slots);
    r->pol_slots = ns;
    r->npol_slots = ncap;
    return 0;
}

static rep_policy *get_policy(mend_report *r, const char *name)
{
    /* A script records a policy's steps and outcome one after another: try that one first. */
    if (r->last_pol && r->last_pol <= r->npol && strcmp(rep_str(r, r->pol[r->last_pol - 1].name), name) == 0)
        return &r->pol[r->last_pol - 1];
    rep_policy *p = find_policy(r, name);
    if (p) {
        r->last_pol = (size_t)(p - r->pol) + 1;
        return p;
    }
    uint32_t id = intern(&r->str, name);
    if (!id)
        return NULL;
    if ((r->npol + 1) * 2 > r->npol_slots && pol_slots_grow(r) != 0)
        return NULL;
    if (r->npol == r->cappol) {
        size_t ncap = r->cappol ? r->cappol * 2 : 64;
        rep_policy *np = realloc(r->pol, ncap * sizeof *np);
        if (!np)
            return NULL;
        r->pol = np;
        r->cappol = ncap;
    }
    size_t at = 0;
    find_policy_slot(r, id, &at);
    p = &r->pol[r->npol];
    memset(p, 0, sizeof *p);
    p->name = id;
    r->pol_slots[at] = (uint32_t)++r->npol;
    r->last_pol = r->npol;
    return p;
}

static int8_t ok_of(const cJSON *v)
{
    return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? 1 : 0) : -1;
}

/* The members of step that are not kept as ids, as JSON text without the braces. */
static char *extra_members(const cJSON *step, const bool *taken)
{
    cJSON *rest = cJSON_CreateObject();
    if (!rest)
        return NULL;
    int i = 0;
    bool any = false;
    for (const cJSON *m = step->child; m; m = m->next, i++) {
        if (i < 64 && taken[i])
            continue;
        cJSON *ref = cJSON_Duplicate(m, 1);
        if (!ref || !cJSON_AddItemToObject(rest, m->string, ref)) {
            cJSON_Delete(ref);
            cJSON_Delete(rest);
            return NULL;
        }
        any = true;
    }
    char *text = any ? cJSON_PrintUnformatted(rest) : NULL;
    cJSON_Delete(rest);
    if (text) { /* "{...}" -> "..." */
        size_t n = strlen(text);
        memmove(text, text + 1, n - 2);
        text[n - 2] = '\0';
    }
    return text;
}

static void add_step_record(mend_report *r, const char *policy, const rep_step *s)
{
    uint32_t *first, *last;
    if (policy) {
        rep_policy *p = get_policy(r, policy);
        if (!p)
            return;
        first = &p->first_step;
        last = &p->last_step;
    } else {
        first = &r->run_first;
        last = &r->run_last;
    }
    if (r->nsteps == r->capsteps) {
        size_t ncap = r->capsteps ? r->capsteps * 2 : 256;
        rep_step *ns = realloc(r->steps, ncap * sizeof *ns);
        if (!ns)
            return;
        r->steps = ns;
        r->capsteps = ncap;
    }
    r->steps[r->nsteps] = *s;
    r->steps[r->nsteps].next = 0;
    uint32_t idx = (uint32_t)++r->nsteps;
    if (*last)
        r->steps[*last - 1].next = idx;
    else
        *first = idx;
    *last = idx;
}

void mend_report_add_step_fields(mend_report *r, const char *policy, const mend_report_step_fields *f)
{
    if (!r || !f)
        return;
    rep_step s = { .ok = (int8_t)(f->ok < 0 ? -1 : f->ok ? 1 : 0) };
    const char *const v[REP_S_N] = { f->rung, f->action, f->target, f->message, f->code };
    for (int k = 0; k < REP_S_N; k++)
        s.s[k] = intern(&r->str, v[k]);
    s.extra = f->extra && *f->extra ? intern(&r->str, f->extra) : 0;
    add_step_record(r, policy, &s);
}

void mend_report_add_step(mend_report *r, const char *policy, const struct cJSON *step)
{
    if (!r || !step)
        return;
    if (!cJSON_IsObject(step)) {
        char *text = cJSON_PrintUnformatted(step);
        rep_step s = { .ok = -1, .raw = 1, .extra = intern(&r->str, text) };
        free(text);
        add_step_record(r, policy, &s);
        return;
    }
    static const char *const keys[REP_S_N] = { "rung", "action", "target", "message", "code" };
    const char *v[REP_S_N] = { NULL };
    int ok = -1;
    bool taken[64] = { false };
    int i = 0;
    for (const cJSON *m = step->child; m; m = m->next, i++) {
        if (i >= 64 || !m->string)
            continue;
        if (strcmp(m->string, "ok") == 0 && cJSON_IsBool(m) && ok < 0) {
            ok = ok_of(m);
            taken[i] = true;
            continue;
        }
        for (int k = 0; k < REP_S_N; k++)
            if (!v[k] && cJSON_IsString(m) && strcmp(m->string, keys[k]) == 0) {
                v[k] = m->valuestring;
                taken[i] = true;
            }
    }
    char *extra = extra_members(step, taken);
    mend_report_step_fields f = { v[0], v[1], v[2], v[3], v[4], ok, extra };
    mend_report_add_step_fields(r, policy, &f);
    free(extra);
}

void mend_report_step(mend_report *r, const char *policy, struct cJSON *step)
{
    mend_report_add_step(r, policy, step);
    cJSON_Delete(step);
}

static int field_index(const char *field)
{
    static const char *const names[REP_NFIELDS] = { "before", "after", "outcome", "rung" };
    for (int i = 0; field && i < REP_NFIELDS; i++)
        if (strcmp(field, names[i]) == 0)
            return i;
    return -1;
}

void mend_report_policy_set(mend_report *r, const char *policy, const char *field, const char *value)
{
    int f = field_index(field);
    if (!r || !policy || f < 0)
        return;
    rep_policy *p = get_policy(r, policy);
    uint32_t id = intern(&r->str, value);
    if (p && (id || !value))
        p->field[f] = id;
}

const char *mend_report_policy_update(mend_report *r, const char *policy, const char *const values[4])
{
    bool any = false;
    for (int f = 0; f < REP_NFIELDS; f++)
        any = any || values[f];
    if (!r || !policy || !any) /* nothing to set: no entry either */
        return r && policy ? mend_report_policy_get(r, policy, "outcome") : NULL;
    rep_policy *p = get_policy(r, policy);
    if (!p)
        return NULL;
    const char *was = rep_str(r, p->field[REP_OUTCOME]);
    for (int f = 0; f < REP_NFIELDS; f++) {
        uint32_t id = values[f] ? intern(&r->str, values[f]) : 0;
        if (id)
            p->field[f] = id;
    }
    return was;
}

const char *mend_report_policy_get(const mend_report *r, const char *policy, const char *field)
{
    if (!r || !policy || !field)
        return NULL;
    const rep_policy *p = find_policy(r, policy);
    if (!p)
        return NULL;
    if (strcmp(field, "name") == 0)
        return rep_str(r, p->name);
    int f = field_index(field);
    return f < 0 ? NULL : rep_str(r, p->field[f]);
}

size_t mend_report_policy_count(const mend_report *r)
{
    return r ? r->npol : 0;
}

const char *mend_report_policy_at(const mend_report *r, size_t i, const char *field)
{
    if (!r || i >= r->npol || !field)
        return NULL;
    if (strcmp(field, "name") == 0)
        return rep_str(r, r->pol[i].name);
    int f = field_index(field);
    return f < 0 ? NULL : rep_str(r, r->pol[i].field[f]);
}

static uint32_t advice_slot(const mend_report *r, uint32_t id, size_t *at)
{
    size_t i = ((size_t)id * 2654435761u) & (r->nadvice_slots - 1);
    for (;; i = (i + 1) & (r->nadvice_slots - 1)) {
        uint32_t v = r->advice_slots[i];
        if (!v || r->advice[v - 1] == id) {
            *at = i;
            return v;
        }
    }
}

void mend_report_advise(mend_report *r, const char *text)
{
    if (!r || !text)
        return;
    uint32_t id = intern(&r->str, text);
    size_t at = 0;
    if (!id || (r->nadvice_slots && advice_slot(r, id, &at)))
        return;
    if ((r->nadvice + 1) * 2 > r->nadvice_slots) {
        size_t ncap = r->nadvice_slots ? r->nadvice_slots * 2 : 64;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return;
        free(r->advice_slots);
        r->advice_slots = ns;
        r->nadvice_slots = ncap;
        for (size_t k = 0; k < r->nadvice; k++) {
            advice_slot(r, r->advice[k], &at);
            ns[at] = (uint32_t)k + 1;
        }
    }
    if (r->nadvice == r->capadvice) {
        size_t ncap = r->capadvice ? r->capadvice * 2 : 16;
        uint32_t *na = realloc(r->advice, ncap * sizeof *na);
        if (!na)
            return;
        r->advice = na;
        r->capadvice = ncap;
    }
    advice_slot(r, id, &at);
    r->advice[r->nadvice] = id;
    r->advice_slots[at] = (uint32_t)++r->nadvice;
}

size_t mend_report_advice_count(const mend_report *r)
{
    return r ? r->nadvice : 0;
}

const char *mend_report_advice_at(const mend_report *r, size_t i)
{
    return r && i < r->nadvice ? rep_str(r, r->advice[i]) : NULL;
}

int mend_report_data(mend_report *r, const char *key, const struct cJSON *value)
{
    if (!r || !key || !value)
        return -1;
    char *json = cJSON_PrintUnformatted(value);
    int rc = json ? mend_report_data_text(r, key, json) : -1;
    free(json);
    return rc;
}

int mend_report_data_text(mend_report *r, const char *key, const char *text)
{
    if (!r || !key || !text)
        return -1;
    char *json = mend_dupstr(text);
    if (!json)
        return -1;
    for (size_t i = 0; i < r->ndata; i++)
        if (strcmp(r->data[i].key, key) == 0) {
            free(r->data[i].json);
            r->data[i].json = json;
            return 0;
        }
    char *k = mend_dupstr(key);
    rep_data *nd = k ? realloc(r->data, (r->ndata + 1) * sizeof *nd) : NULL;
    if (!nd) {
        free(k);
        free(json);
        return -1;
    }
    r->data = nd;
    r->data[r->ndata++] = (rep_data){ k, json };
    return 0;
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
    size_t fixed = 0, reboot = 0, other_problems = 0, missing = 0;
    for (size_t i = 0; i < r->npol; i++) {
        const char *s = rep_str(r, r->pol[i].field[REP_OUTCOME]);
        if (!s)
            continue; /* a policy the script only noted steps for decides nothing */
        if (is(s, "fixed"))
            fixed++;
        else if (is(s, "healthy"))
            ;
        else if (is(s, "not_found"))
            missing++;   /* a named policy that does not exist: a typo must not read healthy */
        else if (is(s, "reboot_required"))
            reboot++;
        else
            other_problems++;
    }
    if (reboot == 0 && other_problems == 0 && missing)
        return "not_found";
    /* A service mend stopped and could not start again leaves the machine worse than found. */
    if (reboot == 0 && other_problems == 0)
        return mend_report_services_down(r) ? "partial" : fixed ? "fixed" : "healthy";
    if (other_problems == 0)
        return "reboot_required";
    return fixed ? "partial" : "failed";
}

bool mend_report_reboot_required(const mend_report *r)
{
    if (!r)
        return false;
    if (is(mend_report_outcome(r), "reboot_required"))
        return true;
    for (size_t i = 0; i < r->npol; i++)
        if (is(rep_str(r, r->pol[i].field[REP_OUTCOME]), "reboot_required"))
            return true;
    return false;
}

bool mend_report_changed(const mend_report *r)
{
    if (!r || r->dry_run)
        return false;
    for (int c = 0; c < MEND_COUNT__N; c++)
        if (r->counters[c] > 0)
            return true;
    return false;
}

void mend_report_service_down(mend_report *r, const char *service, bool down)
{
    if (!r || !service)
        return;
    for (size_t i = 0; i < r->ndown; i++)
        if (mend_ascii_ieq(r->down[i], service)) {
            if (!down) {
                free(r->down[i]);
                memmove(&r->down[i], &r->down[i + 1], (r->ndown - i - 1) * sizeof *r->down);
                r->ndown--;
            }
            return;
        }
    if (!down)
        return;
    char *copy = mend_dupstr(service);
    char **nd = copy ? realloc(r->down, (r->ndown + 1) * sizeof *nd) : NULL;
    if (!nd) {
        free(copy);
        return;
    }
    r->down = nd;
    r->down[r->ndown++] = copy;
}

size_t mend_report_services_down(const mend_report *r)
{
    return r ? r->ndown : 0;
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

void mend_report_finish(mend_report *r, int exit_code)
{
    if (!r)
        return;
    r->exit_code = exit_code;
    r->finished = mend_wall_now();
}

/* For the human rendering (report_text.c). */
bool mend_report_is_dry_run(const mend_report *r)
{
    return r && r->dry_run;
}
