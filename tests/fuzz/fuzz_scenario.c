/* libFuzzer target for the scenario loader: any chunk loads or fails cleanly, and a loaded machine
 * serialises to a scenario that loads again and serialises identically. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sim_machine *m;
    mend_err e;
    if (sim_scenario_load_buffer((const char *)data, size, "=fuzz", &m, &e) != 0) {
        if (e.msg[0] == '\0')
            abort();
        return 0;
    }
    char *s1 = NULL, *s2 = NULL;
    size_t n1, n2;
    if (sim_state_serialize(m, &s1, &n1, &e) == 0) {
        sim_machine *m2;
        if (sim_scenario_load_buffer(s1, n1, "=saved", &m2, &e) != 0)
            abort();
        if (sim_state_serialize(m2, &s2, &n2, &e) != 0 || n1 != n2 || memcmp(s1, s2, n1) != 0)
            abort();
        sim_machine_free(m2);
    }
    free(s1);
    free(s2);
    sim_machine_free(m);
    return 0;
}
