/* The report's compact storage, shared by its recorder (report.c) and its JSON writer. */
#ifndef MEND_REPORT_PRIVATE_H
#define MEND_REPORT_PRIVATE_H

#include "report.h"

#include <stdint.h>

/* Strings are interned: an id (0 = none) names one copy that never moves, so a 100,000-policy
 * run keeps each rung, action and policy name once, and a step is a few ids, not a tree. */
typedef struct rep_strings {
    const char **strs;    /* id -> text; [0] unused */
    uint32_t *meta;       /* id -> length << 1 when the JSON writer copies the text as
                           * it is; 1 when it must look at it byte by byte */
    uint32_t n, cap;
    uint32_t *slots;      /* open addressing: ids */
    uint32_t nslots;
    char *block;          /* current arena block */
    size_t block_used, block_size;
    char **blocks;
    size_t nblocks;
} rep_strings;

enum { REP_BEFORE, REP_AFTER, REP_OUTCOME, REP_RUNG, REP_NFIELDS };

typedef struct rep_policy {
    uint32_t name;
    uint32_t field[REP_NFIELDS];
    uint32_t first_step, last_step;   /* step index + 1, 0 = none */
} rep_policy;

/* The step keys kept as ids, in the order they are written; any other key is in extra. */
enum { REP_S_RUNG, REP_S_ACTION, REP_S_TARGET, REP_S_MESSAGE, REP_S_CODE, REP_S_N };

typedef struct rep_step {
    uint32_t s[REP_S_N];
    uint32_t extra;       /* the other members as JSON text ("k":v,...), or the whole value if raw */
    uint32_t next;        /* the policy's next step, index + 1 */
    int8_t ok;            /* -1 absent, 0 false, 1 true */
    uint8_t raw;          /* the step was not an object */
} rep_step;

typedef struct rep_data {
    char *key;
    char *json;           /* the value, serialised */
} rep_data;

struct mend_report {
    char *host;
    char *computer;
    bool dry_run;
    double started, finished;   /* wall clock; finished 0 = not yet */
    int exit_code;              /* -1 = derive */
    long counters[MEND_COUNT__N];
    rep_strings str;
    rep_policy *pol;
    size_t npol, cappol;
    size_t last_pol;            /* the policy get_policy last answered, index + 1 */
    uint32_t *pol_slots;        /* open addressing: policy index + 1, keyed by name id */
    size_t npol_slots;
    rep_step *steps;
    size_t nsteps, capsteps;
    uint32_t run_first, run_last;   /* steps not tied to a policy */
    uint32_t *advice;
    size_t nadvice, capadvice;
    uint32_t *advice_slots;     /* open addressing: advice index + 1, keyed by text id */
    size_t nadvice_slots;
    rep_data *data;
    size_t ndata;
    char *error;
    const char *forced;
    bool failed;
    char **down;
    size_t ndown;
};

static inline const char *rep_str(const mend_report *r, uint32_t id)
{
    return id ? r->str.strs[id] : NULL;
}

/* The bytes the JSON writer escapes (or checks as UTF-8): control characters, '"', '\\',
 * DEL and everything outside ASCII. */
static inline bool rep_json_special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f;
}

#endif
