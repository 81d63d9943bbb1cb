/* The evidence bundle's store export: regedit's .reg with the secrets IPsec rules can hold blanked. */
#ifndef MEND_EVIDENCE_REDACT_H
#define MEND_EVIDENCE_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "regfile.h"

/* Bytes of an ipsecData blob that stay: the object class's GUID. */
#define MEND_EVIDENCE_KEPT_BYTES 16

/* Whether a value is one the bundle blanks: ipsecData of a rule (ipsecNFA{GUID}), where
 * MS-GPIPSEC keeps a rule's authentication methods, a preshared key among them. */
bool mend_evidence_secret(const char *key, const char *value);

/* Writes keys (each with its subtree) to file as mend_regfile_export_keys does, with every
 * secret value's bytes past MEND_EVIDENCE_KEPT_BYTES zeroed (its size kept). *redacted gets the
 * blanked values as "KEY\\VALUE" (malloc'd list, free with mend_string_free_list). */
int mend_evidence_export_reg(const mend_host *h, const mend_regfile_key *keys, size_t n, const char *file,
                             char ***redacted, size_t *nredacted, mend_err *e);

#endif
