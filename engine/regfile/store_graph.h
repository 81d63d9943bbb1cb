/* A policy's object graph in the local IPsec store: found, planned and removed through host reg ops. */
#ifndef MEND_STORE_GRAPH_H
#define MEND_STORE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "regfile.h"

/* A shared object that keeps living with fewer owners. */
typedef struct mend_store_update {
    char *path;                /* HKLM\...\Local\ipsecFilter{...} */
    char *owners;              /* the new ipsecOwnersReference (MULTI_SZ bytes) */
    size_t owners_len;
} mend_store_update;

typedef struct mend_store_plan {
    char **remove;             /* keys to delete, the policy's own key first */
    size_t nremove;
    mend_store_update *update;
    size_t nupdate;
    bool clear_active;         /* ActivePolicy names the policy */
} mend_store_plan;

/* Follows policy_key's references (ipsecISAKMPReference, ipsecNFAReference, and from each rule
 * ipsecNegotiationPolicyReference and ipsecFilterReference) and plans the removal: an object goes
 * when no owner is left in its ipsecOwnersReference once the removed ones are dropped; one that
 * other owners keep only loses the removed ones. Only keys directly under ...\Policy\Local are
 * ever planned; anything else is refused (MEND_E_INVALID). */
int mend_store_graph_plan(const mend_host *h, const char *policy_key, mend_store_plan *out, mend_err *e);

/* What a backup of the plan must hold (every removed or updated key with its subtree, and the
 * Local key's own values when ActivePolicy is cleared). Malloc'd; the paths are the plan's. */
mend_regfile_key *mend_store_graph_backup_keys(const mend_store_plan *p, size_t *n);

/* Carries the plan out: ActivePolicy, the policy's key, the shared objects' owners, the rest. */
int mend_store_graph_apply(const mend_host *h, const mend_store_plan *p, mend_err *e);

void mend_store_plan_free(mend_store_plan *p);

#endif
