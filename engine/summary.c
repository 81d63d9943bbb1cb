/* The one-line run summary: counts, reboot state, actions and problem policies, fit for Intune. */
#include "summary.h"
#include "guard.h"
#include "utf.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { NAME_MAX_CHARS = 60 };

static const char ELLIPSIS[] = "\xE2\x80\xA6"; /* U+2026 */

/* A bounded line: pieces are appended whole or not at all, so a cut never falls inside a
 * name or an escape; the first piece that does not fit ends the line with "…". */
typedef struct line {
    char *buf;
    size_t len, limit; /* limit: bytes usable before the ellipsis */
    bool cut;
} line;

static void put(line *l, const char *piece, size_t n)
{
    if (l->cut)
        return;
    if (l->len + n > l->limit) {
        l->cut = true;
        return;
    }
    memcpy(l->buf + l->len, piece, n);
    l->len += n;
}

static void puts_(line *l, const char *s)
{
    put(l, s, strlen(s));
}

/* "<sep><count> <word>", e.g. "; 3 blocked" or ", 1 gpupdate". */
static void put_count(line *l, const char *sep, long v, const char *word)
{
    char tmp[160];
    int k = snprintf(tmp, sizeof tmp, "%s%ld %s", sep, v, word);
    if (k > 0)
        put(l, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 for an invalid byte. */
static size_t seq_len(const unsigned char *s, size_t avail, uint32_t *cp)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (n > avail || !mend_utf8_valid((const char *)s, n))
        return 0;
    if (n == 1)
        *cp = s[0];
    else if (n == 2)
        *cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    else if (n == 3)
        *cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    else
        *cp = (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 |
              (s[3] & 0x3F);
    return n;
}

/* Characters a log viewer would hide or that would break the line or reorder it. */
static bool invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* Copies s into out (NUL-terminated) with quotes, backslashes, controls, invisible characters
 * and invalid bytes escaped, keeping at most max_chars characters (then "…"). */
static void escape(const char *s, size_t max_chars, char *out, size_t outlen)
{
    size_t o = 0, chars = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t left = strlen((const char *)p);
    out[0] = '\0';
    while (left > 0) {
        char esc[16];
        uint32_t cp = 0;
        size_t n = seq_len(p, left, &cp);
        const char *piece = esc;
        size_t plen;
        if (n == 0) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\x%02X", p[0]);
            n = 1;
        } else if (cp == '"' || cp == '\\') {
            esc[0] = '\\', esc[1] = (char)cp, plen = 2;
        } else if (cp == '\n' || cp == '\r' || cp == '\t') {
            esc[0] = '\\', esc[1] = cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't', plen = 2;
        } else if (cp < 0x20 || cp == 0x7F) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\x%02X", (unsigned)cp);
        } else if (invisible(cp)) {
            plen = (size_t)snprintf(esc, sizeof esc, "\\u%04X", (unsigned)cp);
        } else {
            piece = (const char *)p;
            plen = n;
        }
        if (chars == max_chars || o + plen + sizeof ELLIPSIS > outlen) {
            memcpy(out + o, ELLIPSIS, sizeof ELLIPSIS); /* with its NUL */
            return;
        }
        memcpy(out + o, piece, plen);
        o += plen;
        out[o] = '\0';
        chars++;
        p += n;
        left -= n;
    }
}

typedef struct tally {
    long fixed, healthy, not_found, blocked, reboot, failed, other, stuck;
} tally;

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool eq(const char *a, const char *b)
{
    return a && strcmp(a, b) == 0;
}

static tally count_outcomes(const cJSON *policies)
{
    tally t = {0};
    const cJSON *p;
    cJSON_ArrayForEach(p, policies) {
        const char *o = str_field(p, "outcome");
        if (!o)
            continue; /* a policy the script only noted steps for decides nothing */
        if (eq(o, "fixed"))
            t.fixed++;
        else if (eq(o, "healthy"))
            t.healthy++;
        else if (eq(o, "not_found"))
            t.not_found++;
        else if (eq(o, "blocked"))
            t.blocked++;
        else if (eq(o, "reboot_required"))
            t.reboot++;
        else if (eq(o, "failed"))
            t.failed++;
        else
            t.other++;
    }
    t.stuck = t.fixed + t.blocked + t.reboot + t.failed + t.other;
    return t;
}

/* The gates advice asks for ("... rerun with --allow kill"), as bits. */
static unsigned gates_in_advice(const cJSON *advice)
{
    static const struct { const char *name; unsigned bit; } gates[] = {
        {"kill", MEND_GATE_KILL}, {"registry", MEND_GATE_REGISTRY}, {"reboot", MEND_GATE_REBOOT},
        {"nic", MEND_GATE_NIC}, {"service", MEND_GATE_SERVICE}, {"all", MEND_GATE_ALL}};
    unsigned mask = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, advice) {
        const char *s = cJSON_IsString(a) ? a->valuestring : NULL;
        while (s && (s = strstr(s, "--allow")) != NULL) {
            s += strlen("--allow");
            s += strspn(s, " =");
            while (*s) {
                size_t k = strspn(s, "abcdefghijklmnopqrstuvwxyz");
                for (size_t g = 0; g < sizeof gates / sizeof *gates; g++)
                    if (k == strlen(gates[g].name) && strncmp(s, gates[g].name, k) == 0)
                        mask |= gates[g].bit;
                s += k;
                if (*s != ',')
                    break;
                s++;
            }
        }
    }
    return mask;
}

static void put_gates(line *l, unsigned mask, bool diagnosis)
{
    static const struct { const char *name; unsigned bit; } order[] = {
        {"kill", MEND_GATE_KILL}, {"registry", MEND_GATE_REGISTRY}, {"nic", MEND_GATE_NIC},
        {"service", MEND_GATE_SERVICE}};
    char list[80] = "";
    for (size_t g = 0; g < sizeof order / sizeof *order; g++)
        if (mask & order[g].bit) {
            if (list[0])
                strcat(list, ",");
            strcat(list, order[g].name);
        }
    if (list[0]) {
        puts_(l, diagnosis ? " (fix needs --allow " : " (needs --allow ");
        puts_(l, list);
        puts_(l, ")");
    }
}

static const struct { const char *key, *one, *many; } action_words[] = {
    {"deletes", "delete", "deletes"},
    {"gpupdates", "gpupdate", "gpupdates"},
    {"service_restarts", "service restart", "service restarts"},
    {"reboots", "reboot", "reboots"},
    {"kills", "process stopped", "processes stopped"},
    {"registry_deletes", "registry delete", "registry deletes"},
    {"unassigns", "unassign", "unassigns"},
    {"offload_changes", "offload change", "offload changes"},
    {"creates", "create", "creates"},
    {"assigns", "assign", "assigns"},
    {"service_starts", "service start", "service starts"},
    {"service_stops", "service stop", "service stops"},
    {"registry_writes", "registry write", "registry writes"},
    {"adapter_restarts", "adapter restart", "adapter restarts"},
    {"spd_sa_deletes", "SA delete (SPD)", "SA deletes (SPD)"},
    {"spd_qm_deletes", "quick-mode policy delete (SPD)", "quick-mode policy deletes (SPD)"},
    {"spd_filter_deletes", "filter delete (SPD)", "filter deletes (SPD)"},
};

static void put_actions(line *l, const cJSON *actions, bool dry_run)
{
    puts_(l, dry_run ? "; actions that would run: " : "; actions: ");
    bool any = false;
    const cJSON *a;
    cJSON_ArrayForEach(a, actions) {
        if (!cJSON_IsNumber(a) || a->valuedouble < 1 || !a->string)
            continue;
        char word[80];
        const char *w = NULL;
        long v = (long)a->valuedouble;
        for (size_t k = 0; k < sizeof action_words / sizeof *action_words && !w; k++)
            if (strcmp(a->string, action_words[k].key) == 0)
                w = v == 1 ? action_words[k].one : action_words[k].many;
        if (!w) {
            escape(a->string, 40, word, sizeof word);
            w = word;
        }
        put_count(l, any ? ", " : "", v, w);
        any = true;
    }
    if (!any)
        puts_(l, "none");
}

static const char *problem_word(const char *outcome, bool diagnosis)
{
    if (diagnosis && eq(outcome, "failed"))
        return "stuck"; /* check's "failed": stuck, and mend fix needs no gate for it */
    if (eq(outcome, "reboot_required"))
        return "needs a reboot";
    if (eq(outcome, "not_found"))
        return "not found";
    return outcome;
}

/* Names come last so that on a long run only the list is shortened. */
static void put_problems(line *l, const cJSON *policies, bool diagnosis)
{
    bool first = true;
    const cJSON *p;
    cJSON_ArrayForEach(p, policies) {
        const char *o = str_field(p, "outcome");
        if (!o || eq(o, "fixed") || eq(o, "healthy"))
            continue;
        char name[NAME_MAX_CHARS * 6 + 8], what[64], piece[sizeof name + sizeof what + 16];
        escape(str_field(p, "name"), NAME_MAX_CHARS, name, sizeof name);
        escape(problem_word(o, diagnosis), 30, what, sizeof what);
        int k = snprintf(piece, sizeof piece, "%s\"%s\" %s", first ? "; problems: " : ", ", name, what);
        if (k > 0)
            put(l, piece, (size_t)k < sizeof piece ? (size_t)k : sizeof piece - 1);
        first = false;
        if (l->cut)
            return;
    }
}

static void build(line *l, const cJSON *doc, bool diagnosis)
{
    const cJSON *policies = cJSON_GetObjectItemCaseSensitive(doc, "policies");
    const cJSON *actions = cJSON_GetObjectItemCaseSensitive(doc, "actions");
    const cJSON *advice = cJSON_GetObjectItemCaseSensitive(doc, "advice");
    bool dry = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "dry_run"));
    const char *error = str_field(doc, "error");
    tally t = count_outcomes(policies);
    unsigned gates = gates_in_advice(advice);
    const cJSON *reboots = cJSON_GetObjectItemCaseSensitive(actions, "reboots");
    bool rebooted = cJSON_IsNumber(reboots) && reboots->valuedouble >= 1;

    puts_(l, dry ? "mend (dry run): " : "mend: ");
    if (error) {
        char msg[400];
        escape(error, 200, msg, sizeof msg);
        puts_(l, "error: ");
        puts_(l, msg);
        /* A script that died before deciding any policy has nothing more to count. */
        if (t.stuck + t.healthy + t.not_found == 0) {
            if (!diagnosis)
                put_actions(l, actions, dry);
            return;
        }
        puts_(l, "; ");
    }
    if (t.stuck == 0)
        puts_(l, "no stuck policies");
    else if (diagnosis)
        put_count(l, "found ", t.stuck, t.stuck == 1 ? "stuck policy" : "stuck policies");
    else {
        char head[120];
        snprintf(head, sizeof head, "%s %ld of %ld stuck polic%s", dry ? "would fix" : "fixed", t.fixed, t.stuck,
                 t.stuck == 1 ? "y" : "ies");
        puts_(l, head);
    }
    if (t.healthy)
        put_count(l, "; ", t.healthy, "healthy");
    if (t.blocked) {
        put_count(l, "; ", t.blocked, "blocked");
        put_gates(l, gates, diagnosis);
    }
    if (t.failed && !diagnosis) /* to a check, "failed" only means stuck */
        put_count(l, "; ", t.failed, "failed");
    if (t.other)
        put_count(l, "; ", t.other, "with a problem");
    if (t.not_found)
        put_count(l, "; ", t.not_found, "not found");
    if (t.reboot) {
        char head[80];
        snprintf(head, sizeof head, "; reboot required: yes (%ld polic%s)", t.reboot, t.reboot == 1 ? "y" : "ies");
        puts_(l, head);
        if (rebooted)
            puts_(l, ", reboot initiated");
        else if (gates & MEND_GATE_REBOOT)
            puts_(l, ", needs --allow reboot");
    } else {
        puts_(l, "; reboot required: no");
    }
    if (!diagnosis) /* a check never changes anything */
        put_actions(l, actions, dry);
    put_problems(l, policies, diagnosis);
}

size_t mend_summary_from_doc(const cJSON *doc, mend_command cmd, char *buf, size_t n)
{
    if (!buf || n == 0)
        return 0;
    if (n > MEND_SUMMARY_MAX)
        n = MEND_SUMMARY_MAX;
    line l = {.buf = buf, .limit = n > sizeof ELLIPSIS ? n - sizeof ELLIPSIS : 0};
    if (cJSON_IsObject(doc))
        build(&l, doc, cmd == MEND_CMD_CHECK);
    else
        puts_(&l, "mend: error: the report could not be read (out of memory)");
    if (l.cut && l.len + sizeof ELLIPSIS <= n) {
        memcpy(buf + l.len, ELLIPSIS, sizeof ELLIPSIS - 1);
        l.len += sizeof ELLIPSIS - 1;
    }
    buf[l.len] = '\0';
    return l.len;
}

size_t mend_summary_line_for(const mend_report *r, mend_command cmd, char *buf, size_t n)
{
    char *json = mend_report_json_brief(r);
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    free(json);
    size_t len = mend_summary_from_doc(doc, cmd, buf, n);
    cJSON_Delete(doc);
    return len;
}

size_t mend_summary_line(const mend_report *r, char *buf, size_t n)
{
    return mend_summary_line_for(r, MEND_CMD_FIX, buf, n);
}

void mend_summary_emit(const char *text, FILE *out)
{
    fflush(stdout);
    fflush(stderr);
    fprintf(out, "%s\n", text ? text : "");
    fflush(out);
}
