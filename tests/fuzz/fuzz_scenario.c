/* libFuzzer target for the scenario loader: any chunk loads or fails cleanly, and a loaded machine
 * serialises to a scenario that loads again and serialises identically. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

static void broken(const char *what, const mend_err *e)
{
    fprintf(stderr, "fuzz_scenario: %s: %s\n", what, e ? e->msg : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_machine *m;
    mend_err e;
    if (sim_scenario_load_buffer((const char *)data, size, "=fuzz", &m, &e) != 0) {
        if (e.msg[0] == '\0')
            broken("a failed load left no message", NULL);
        return 0;
    }
    char *s1 = NULL, *s2 = NULL;
    size_t n1, n2;
    if (sim_state_serialize(m, &s1, &n1, &e) == 0) {
        sim_machine *m2;
        if (sim_scenario_load_buffer(s1, n1, "=saved", &m2, &e) != 0)
            broken("the saved state does not load back", &e);
        if (sim_state_serialize(m2, &s2, &n2, &e) != 0)
            broken("the reloaded state does not serialise", &e);
        if (n1 != n2 || memcmp(s1, s2, n1) != 0)
            broken("the reloaded state serialises differently", NULL);
        sim_machine_free(m2);
    }
    free(s1);
    free(s2);
    sim_machine_free(m);
    return 0;
}
