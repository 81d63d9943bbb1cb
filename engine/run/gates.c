/* The --allow gates: parsing capability lists, and deciding whether a gated action may go. */
#include "progress.h"
#include "engine.h"
#include "engine_private.h"
#include "ascii.h"
#include "suggest.h"
#include "platform.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} gates[] = {
    {"kill", MEND_GATE_KILL},
    {"registry", MEND_GATE_REGISTRY},
    {"reboot", MEND_GATE_REBOOT},
    {"nic", MEND_GATE_NIC},
    {"service", MEND_GATE_SERVICE},
};

static bool word_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && mend_ascii_ncasecmp(p, word, n) == 0;
}

/* The refusal of an unknown --allow word, with the gate it most likely meant ("kil": kill). */
static void unknown_gate(const char *word, size_t n, char *err, size_t errlen)
{
    static const char *const names[] = {"kill", "registry", "reboot", "nic", "service", "all"};
    char low[101];
    size_t len = n < sizeof low - 1 ? n : sizeof low - 1;
    for (size_t i = 0; i < len; i++)
        low[i] = (char)mend_ascii_lower((unsigned char)word[i]);
    low[len] = '\0';
    const char *near = mend_suggest(low, names, sizeof names / sizeof *names);
    snprintf(err, errlen, "unknown capability '%.*s' for --allow%s%s%s (expected kill, registry, reboot, nic, service or all)",
             (int)len, word, near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
}

int mend_gate_parse(const char *list, unsigned *mask, char *err, size_t errlen)
{
    unsigned m = 0;
    const char *p = list ? list : "";
    bool any = false;
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        size_t n = (size_t)(end - start);
        if (n == 0)
            continue;
        any = true;
        if (word_is(start, n, "all")) {
            m |= MEND_GATE_ALL;
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < sizeof gates / sizeof *gates; i++)
            if (word_is(start, n, gates[i].name)) {
                m |= gates[i].bit;
                known = true;
            }
        if (!known) {
            if (err && errlen)
                unknown_gate(start, n, err, errlen);
            return -1;
        }
    }
    if (!any) {
        if (err && errlen)
            snprintf(err, errlen, "--allow needs a list: kill, registry, reboot, nic, service or all");
        return -1;
    }
    *mask = m;
    return 0;
}

const char *mend_gate_name(unsigned gate)
{
    for (size_t i = 0; i < sizeof gates / sizeof *gates; i++)
        if (gates[i].bit == gate)
            return gates[i].name;
    return NULL;
}

const char *mend_gate_list(unsigned mask, char *buf, size_t size)
{
    size_t len = 0;
    if (size)
        buf[0] = '\0';
    for (unsigned bit = 1; bit <= MEND_GATE_ALL && len < size; bit <<= 1) {
        if (!(mask & bit))
            continue;
        int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", mend_gate_name(bit));
        len = n < 0 ? size : len + (size_t)n;
    }
    return buf;
}

bool mend_engine_allowed(const mend_engine *eng, unsigned cap)
{
    return eng && eng->opts && cap != 0 && (eng->opts->allow & cap) == cap;
}

bool mend_tty_ask(const char *question)
{
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        return false;
    const char *p = line;
    while (isspace((unsigned char)*p))
        p++;
    return *p == 'y' || *p == 'Y';
}

bool mend_engine_can_ask(const mend_engine *eng)
{
    /* Nobody to ask: a dry run must not wait on a keyboard, and --json output goes to a program. */
    return eng && eng->opts && !eng->opts->dry_run && !eng->opts->json && eng->stdin_tty && eng->stderr_tty;
}

bool mend_engine_ask(mend_engine *eng, const char *question)
{
    if (!mend_engine_can_ask(eng))
        return false;
    mend_progress_hide();   /* the question gets its own line */
    if (eng->waiting)
        eng->waiting(eng->waiting_ud, false);
    bool yes = eng->ask ? eng->ask(eng->ask_ud, question) : mend_tty_ask(question);
    if (eng->waiting)
        eng->waiting(eng->waiting_ud, true);
    return yes;
}

bool mend_engine_confirm(mend_engine *eng, const char *question)
{
    if (eng && eng->opts && eng->opts->yes)
        return true;
    return mend_engine_ask(eng, question);
}
