/* What plan.c and plan_lua.c share: the plan is its JSON document. */
#ifndef MEND_PLAN_PRIVATE_H
#define MEND_PLAN_PRIVATE_H

#include "plan.h"

struct mend_plan {
    struct cJSON *doc;         /* the whole plan */
    struct cJSON *actions;     /* doc.actions */
    int explained;             /* actions before this index have their why */
    char *last_rung;           /* of the last mend.step */
    mend_engine *eng;          /* recording/applying: the host preconditions are read from */
};

/* A string field of a JSON object, or NULL. */
const char *plan_str(const struct cJSON *o, const char *k);

#endif
