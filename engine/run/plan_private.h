/* What plan.c and bindings/plan.c (the Lua side) share: the plan is its JSON document. */
#ifndef MEND_PLAN_PRIVATE_H
#define MEND_PLAN_PRIVATE_H

#include "plan.h"

struct mend_plan {
    struct cJSON *doc;         /* the whole plan */
    struct cJSON *actions;     /* doc.actions */
    int explained;             /* actions before this index have their why */
    char *last_rung;           /* of the last mend.step */
    mend_engine *eng;          /* recording/applying: the host preconditions are read from */
    int started, ran, done;    /* applying: the step verified, called and done as planned last */
    char *stop_why;            /* applying: why apply.lua stopped (plan.stop) */
};

/* The replayable call behind an op: some ops name a direction of one function. */
const char *plan_call_of(const char *op);

/* "ipsec.delete(\"Corp-QM\")": a step's call with its arguments as apply passes them (malloc'd). */
char *plan_call_text(const struct cJSON *a);

/* s with control characters (C0, DEL, C1) written as \xNN, for a terminal (malloc'd). */
char *plan_defang(const char *s);

/* A string field of a JSON object, or NULL. */
const char *plan_str(const struct cJSON *o, const char *k);

#endif
