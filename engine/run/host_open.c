/* Opens the backend --host names: the simulator or this Windows machine. */
#include "host_open.h"

#include <string.h>

#ifdef _WIN32
#define MEND_DEFAULT_HOST "local"
#else
#define MEND_DEFAULT_HOST "sim"
#endif

int mend_host_open(mend_host *h, const mend_host_config *cfg, mend_err *e)
{
    memset(h, 0, sizeof *h);
    const char *spec = cfg->spec ? cfg->spec : MEND_DEFAULT_HOST;
    if (strcmp(spec, "sim") == 0)
        return sim_host_open(h, cfg, NULL, e);
    if (strncmp(spec, "sim:", 4) == 0) {
        if (spec[4] == '\0')
            return mend_err_set(e, MEND_E_INVALID, 0, "--host sim: needs a state file after the colon");
        return sim_host_open(h, cfg, spec + 4, e);
    }
    if (strcmp(spec, "local") == 0) {
#ifdef _WIN32
        return win_host_open(h, cfg, e);
#else
        return mend_err_set(e, MEND_E_UNSUPPORTED, 0,
                            "--host local needs Windows; on this machine use --host sim or sim:FILE");
#endif
    }
    return mend_err_set(e, MEND_E_INVALID, 0,
                        "unknown host '%s' (expected local, sim or sim:FILE)", spec);
}
