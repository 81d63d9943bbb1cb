/* The engine context every binding reaches through the Lua registry: options, host, report,
 * journal, gates. */
#ifndef MEND_ENGINE_H
#define MEND_ENGINE_H

#include <stdbool.h>

#include "options.h"
#include "host_open.h"

#define MEND_VERSION "1.0.0"

/* Capabilities that --allow opens. */
enum {
    MEND_GATE_KILL = 1u,
    MEND_GATE_REGISTRY = 2u,
    MEND_GATE_REBOOT = 4u,
    MEND_GATE_NIC = 8u,
    MEND_GATE_SERVICE = 16u,
    MEND_GATE_ALL = 31u
};

/* "kill,registry" / "all" -> bits. Returns -1 with a reason on an unknown name. */
int mend_gate_parse(const char *list, unsigned *mask, char *err, size_t errlen);
const char *mend_gate_name(unsigned gate);       /* "kill", ... for one bit */
/* The gates in mask as --allow takes them ("kill,registry"; "" for none), cut to fit size. */
const char *mend_gate_list(unsigned mask, char *buf, size_t size);

struct mend_report;
struct mend_journal;

typedef struct mend_engine {
    const mend_options *opts;
    mend_host host;
    struct mend_report *report;
    struct mend_journal *journal;   /* NULL in dry-run or when journaling is off */
    const char *state_dir;          /* user state dir: default sim state, journal, backups */
    const char *data_dir;           /* bundled scripts/ and scenarios/ */
    const char *backup_dir;         /* where reg.delete writes its .reg backups */
    bool stdin_tty;
    bool stderr_tty;
    unsigned long seq;              /* journal sequence of mutating actions in this run */
    bool journal_failed;            /* the journal could not be written: no further action runs */
    char **deleted_before;          /* policies unresolved interrupted runs deleted (journal) */
    size_t ndeleted_before;
    /* Asks a yes/no question on the terminal; a seam so tests can answer. NULL = real TTY. */
    bool (*ask)(void *ud, const char *question);
    void *ask_ud;
    /* Told when a question starts (done false) and stops (true) waiting for the user: that time
     * is not the script's (the runner takes it off --timeout). NULL = nobody to tell. */
    void (*waiting)(void *ud, bool done);
    void *waiting_ud;
    /* What the script says the next gated actions are for (mend.purpose): a prompt adds it to
     * the question C built, never in place of the side effects. Empty = not said. */
    char purpose[400];
    char purpose_restart[128];      /* a service the script restarts after them: the prompt names it */
} mend_engine;

/* True when --allow opened cap. */
bool mend_engine_allowed(const mend_engine *eng, unsigned cap);

/* --yes answers yes; on an interactive terminal (and not in dry-run or --json) the user is
 * asked; otherwise no. */
bool mend_engine_confirm(mend_engine *eng, const char *question);

#endif
