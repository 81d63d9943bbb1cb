/* The report for people: the table, or a summary by outcome and rung for a long run; advice wrapped. */
#include "report.h"
#include "progress.h"
#include "term.h"

#include <string.h>

enum { MAX_ATTENTION_ROWS = 50, MAX_GROUPS = 64 };

/* Display width as printed (escapes, wide characters), so names in any script line up. */
static size_t width(const char *s)
{
    return s ? mend_term_columns(s, strlen(s)) : 0;
}

static const char *field_or_dash(const mend_report *r, size_t i, const char *field)
{
    const char *v = mend_report_policy_at(r, i, field);
    return v && v[0] ? v : "-";
}

static bool is_good(const char *outcome)
{
    return strcmp(outcome, "fixed") == 0 || strcmp(outcome, "healthy") == 0;
}

/* Green for done, red for failed, yellow for the rest that needs someone. */
static const char *color_of(const char *outcome)
{
    if (is_good(outcome))
        return "\033[32m";
    if (strcmp(outcome, "failed") == 0 || strcmp(outcome, "partial") == 0)
        return "\033[31m";
    if (strcmp(outcome, "-") == 0)
        return "";
    return "\033[33m";
}

static void cell(FILE *out, const char *s, size_t w, bool last, bool color)
{
    const char *c = color ? color_of(s) : "";
    fputs(c, out);
    mend_term_puts(out, s, MEND_TERM_ONE_LINE);
    if (*c)
        fputs("\033[0m", out);
    if (last)
        return;
    for (size_t k = width(s); k < w + 2; k++)
        fputc(' ', out);
}

static bool wanted(const mend_report *r, size_t i, bool attention_only)
{
    return !attention_only || !is_good(field_or_dash(r, i, "outcome"));
}

/* The table of policies (only those that need attention, if asked), at most max_rows rows. */
static void print_table(const mend_report *r, FILE *out, bool color, bool attention_only, size_t max_rows)
{
    static const char *const cols[] = {"name", "before", "after", "outcome", "rung"};
    static const char *const heads[] = {"POLICY", "BEFORE", "AFTER", "OUTCOME", "RUNG"};
    enum { NCOL = 5, OUTCOME_COL = 3, MAX_NAME_COL = 48 };
    size_t w[NCOL], rows = 0;
    for (int c = 0; c < NCOL; c++)
        w[c] = width(heads[c]);
    for (size_t i = 0, np = mend_report_policy_count(r); i < np; i++) {
        if (!wanted(r, i, attention_only) || rows++ >= max_rows)
            continue;
        for (int c = 0; c < NCOL; c++) {
            size_t k = width(field_or_dash(r, i, cols[c]));
            if (k > w[c])
                w[c] = k;
        }
    }
    /* One absurdly long name should not push every row off the screen. */
    if (w[0] > MAX_NAME_COL)
        w[0] = MAX_NAME_COL;
    for (int c = 0; c < NCOL; c++)
        cell(out, heads[c], w[c], c == NCOL - 1, false);
    fputc('\n', out);
    size_t shown = 0;
    for (size_t i = 0, np = mend_report_policy_count(r); i < np; i++) {
        if (!wanted(r, i, attention_only) || shown >= max_rows)
            continue;
        shown++;
        for (int c = 0; c < NCOL; c++)
            cell(out, field_or_dash(r, i, cols[c]), w[c], c == NCOL - 1, color && c == OUTCOME_COL);
        fputc('\n', out);
    }
    if (rows > shown)
        fprintf(out, "... and %zu more (all of them: -v, or the JSON report with --json or --report FILE)\n",
                rows - shown);
}

typedef struct group {
    const char *rung, *outcome;
    size_t n;
} group;

static void tally(group *g, size_t *ng, const char *rung, const char *outcome)
{
    for (size_t i = 0; i < *ng; i++)
        if (strcmp(g[i].rung, rung) == 0 && strcmp(g[i].outcome, outcome) == 0) {
            g[i].n++;
            return;
        }
    if (*ng < MAX_GROUPS)
        g[(*ng)++] = (group){rung, outcome, 1};
}

/* "20000 policies: 19990 fixed, 10 blocked" */
static void print_counts(const mend_report *r, FILE *out, bool color)
{
    group g[MAX_GROUPS];
    size_t ng = 0, total = 0;
    for (size_t i = 0, np = mend_report_policy_count(r); i < np; i++) {
        tally(g, &ng, "", field_or_dash(r, i, "outcome"));
        total++;
    }
    fprintf(out, "%zu %s", total, total == 1 ? "policy" : "policies");
    for (size_t i = 0; i < ng; i++) {
        const char *c = color ? color_of(g[i].outcome) : "";
        fprintf(out, "%s %s%zu %s%s", i ? "," : ":", c, g[i].n, g[i].outcome, *c ? "\033[0m" : "");
    }
}

/* A long run: counts by outcome, by rung, then the policies that need attention. */
static void print_big_summary(const mend_report *r, FILE *out, bool color)
{
    print_counts(r, out, color);
    fputs("\n\nby rung:\n", out);
    group g[MAX_GROUPS];
    size_t ng = 0, attention = 0;
    for (size_t i = 0, np = mend_report_policy_count(r); i < np; i++) {
        const char *o = field_or_dash(r, i, "outcome");
        tally(g, &ng, field_or_dash(r, i, "rung"), o);
        attention += !is_good(o);
    }
    for (size_t i = 0; i < ng; i++) {
        fputs("  ", out);
        cell(out, g[i].rung, 12, false, false);
        fprintf(out, "%8zu ", g[i].n);
        cell(out, g[i].outcome, 0, true, color);
        fputc('\n', out);
    }
    if (attention) {
        fprintf(out, "\nneed attention (%zu):\n", attention);
        print_table(r, out, color, true, MAX_ATTENTION_ROWS);
    }
}

static void print_tail(const mend_report *r, FILE *out, const mend_report_text_options *t, bool blank)
{
    const char *o = mend_report_outcome(r);
    const char *c = t->color ? color_of(o) : "";
    fprintf(out, "%soutcome: %s%s%s%s\n", blank ? "\n" : "", c, o, *c ? "\033[0m" : "",
            mend_report_is_dry_run(r) ? " (dry run: nothing was changed)" : "");
    size_t na = mend_report_advice_count(r);
    if (na > 0) {
        fputs("\nadvice:\n", out);
        for (size_t k = 0; k < na; k++) {
            fputs("  - ", out);
            mend_term_wrap(out, mend_report_advice_at(r, k), t->width, 4, 4);
            fputc('\n', out);
        }
    }
}

void mend_report_print_text(const mend_report *r, FILE *out, const mend_report_text_options *t)
{
    static const mend_report_text_options plain = {false, false, 0};
    if (!r)
        return;
    if (!t)
        t = &plain;
    size_t n = mend_report_policy_count(r);
    if (n > MEND_PROGRESS_BIG && !t->verbose)
        print_big_summary(r, out, t->color);
    else if (n > 0)
        print_table(r, out, t->color, false, (size_t)-1);
    print_tail(r, out, t, n > 0);
    fflush(out);
}

void mend_report_print_summary(const mend_report *r, FILE *out)
{
    mend_report_print_text(r, out, NULL);
}

void mend_report_print_totals(const mend_report *r, FILE *out)
{
    if (!r)
        return;
    fprintf(out, "outcome: %s (", mend_report_outcome(r));
    print_counts(r, out, false);
    fprintf(out, ")%s\n", mend_report_is_dry_run(r) ? " (dry run: nothing was changed)" : "");
    fflush(out);
}
