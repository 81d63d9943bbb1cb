/* mend's own files (the simulator's state, the journal, the plan key, backups, the resume record) that --report, --plan and --journal must never name. */
#include "own_files.h"
#include "ascii.h"
#include "platform.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_sep(char c)
{
#ifdef _WIN32
    return c == '\\' || c == '/';
#else
    return c == '/';
#endif
}

/* Where path's entry is: its folder resolved (links followed) when it exists, its name as given. */
static char *locate(const char *path)
{
    size_t cut = strlen(path);
    while (cut > 0 && !is_sep(path[cut - 1]))
        cut--;
    char *dir = cut ? malloc(cut + 1) : mend_dupstr(".");
    if (!dir)
        return NULL;
    if (cut) {
        memcpy(dir, path, cut);
        dir[cut] = '\0';
    }
    char *real = mend_realpath(dir);
    char *out = real ? mend_path_join(real, path + cut) : mend_dupstr(path);
    free(real);
    free(dir);
    return out;
}

static bool same_text(const char *a, size_t n, const char *b)
{
#ifdef _WIN32
    char *x = malloc(n + 1);
    bool eq = x && (memcpy(x, a, n), x[n] = '\0', mend_ascii_ieq(x, b));
    free(x);
    return eq;
#else
    return strlen(b) == n && memcmp(a, b, n) == 0;
#endif
}

/* path names own (as named or where a link leads), or, for a folder, something under it. */
static bool names(const char *path, const char *own, bool folder)
{
    char *p = locate(path), *forms[2] = {own ? locate(own) : NULL, own ? mend_realpath(own) : NULL};
    bool hit = false;
    for (int i = 0; p && i < 2 && !hit; i++) {
        size_t n = forms[i] ? strlen(forms[i]) : 0;
        if (n == 0)
            continue;
        hit = folder ? strlen(p) > n && is_sep(p[n]) && same_text(p, n, forms[i]) : same_text(p, strlen(p), forms[i]);
    }
    free(p);
    free(forms[0]);
    free(forms[1]);
    return hit;
}

int mend_own_file_clash(const mend_options *o, const char *state_dir, const char *journal, char *why, size_t n)
{
    const char *sim = o->host_spec && strncmp(o->host_spec, "sim:", 4) == 0 ? o->host_spec + 4 : NULL;
    char *own[5] = {
        mend_path_join(state_dir, "sim-state.lua"), mend_path_join(state_dir, "plan.key"),
        mend_path_join(state_dir, "resume.json"), mend_path_join(state_dir, "backups"), NULL,
    };
    const char *what[] = {"the simulator's state", "the plan key", "the resume record", "the registry backups"};
    /* --plan names the plan apply and approve read; the others write theirs. */
    bool writes_plan = o->plan_path && o->cmd != MEND_CMD_APPLY && o->cmd != MEND_CMD_PLAN;
    const struct { const char *opt, *path; } given[] = {
        {"--report", o->report_path}, {"--plan", writes_plan ? o->plan_path : NULL}, {"--journal", o->journal_path},
    };
    int clash = 0;
    for (size_t g = 0; g < sizeof given / sizeof *given && !clash; g++) {
        const char *p = given[g].path;
        if (!p)
            continue;
        const char *hit = NULL;
        for (int k = 0; k < 4 && !hit; k++)
            if (own[k] && names(p, own[k], k == 3))
                hit = what[k];
        if (!hit && sim && names(p, sim, false))
            hit = "the simulator's state";
        if (!hit && g < 2 && journal && names(p, journal, false))
            hit = "the journal";
        if (!hit && g == 1 && o->report_path && names(p, o->report_path, false))
            hit = "the report (--report)";
        if (hit) {
            snprintf(why, n, "%s %s is mend's own file (%s): writing there would replace it; name another file",
                     given[g].opt, p, hit);
            clash = 1;
        }
    }
    for (int k = 0; k < 4; k++)
        free(own[k]);
    return clash;
}
