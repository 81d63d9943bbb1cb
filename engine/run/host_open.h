/* Opening the backend --host names (above both backends, so neither reaches the other). */
#ifndef MEND_HOST_OPEN_H
#define MEND_HOST_OPEN_H

#include "host.h"

/* Opens the backend named by cfg->spec. */
int mend_host_open(mend_host *h, const mend_host_config *cfg, mend_err *e);

/* Backend constructors (engine/sim, engine/win32). */
int sim_host_open(mend_host *h, const mend_host_config *cfg, const char *state_file, mend_err *e);
int win_host_open(mend_host *h, const mend_host_config *cfg, mend_err *e);

#endif
