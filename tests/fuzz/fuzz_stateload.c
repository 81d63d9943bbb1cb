/* libFuzzer target for the state reader: on any text it never crashes, hangs or leaks, and what it
 * builds is what the Lua loader builds from the same text (a text it takes, Lua must take too). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* The reader only looks at texts under its header: the fuzzer's input is what follows it, unless
 * the input brings a first line of its own. */
#define HEADER "-- mend simulator state: a scenario (see docs/scenarios.md), written by mend (state format 2).\n"

static void broken(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz_stateload: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t hlen = strlen(HEADER);
    bool own = size >= 2 && data[0] == '-' && data[1] == '-';
    size_t len = own ? size : hlen + size;
    char *text = malloc(len ? len : 1);
    if (!text)
        return 0;
    if (!own)
        memcpy(text, HEADER, hlen);
    if (size)
        memcpy(text + (own ? 0 : hlen), data, size);

    sim_machine *fast = NULL, *slow = NULL;
    if (sim_state_read(text, len, &fast) != 0) {
        if (fast)
            broken("a refused text left a machine", NULL);
        free(text);
        return 0;
    }
    mend_err e;
    if (sim_scenario_load_lua(text, len, "=fuzz", &slow, &e) != 0)
        broken("the reader took a text the Lua loader refuses", e.msg);
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int ra = sim_state_serialize(fast, &a, &na, &e), rb = sim_state_serialize(slow, &b, &nb, &e);
    if (ra != rb)
        broken("one machine saves, the other does not", NULL);
    if (ra == 0 && (na != nb || memcmp(a, b, na) != 0))
        broken("the reader's machine saves differently from Lua's", NULL);
    if (ra == 0) {
        /* What mend saves, the reader takes back as it is. */
        sim_machine *again;
        char *c = NULL;
        size_t nc = 0;
        if (sim_state_read(a, na, &again) != 0)
            broken("the reader refuses a state mend saved", NULL);
        if (sim_state_serialize(again, &c, &nc, &e) != 0 || nc != na || memcmp(a, c, na) != 0)
            broken("a saved state read back saves differently", NULL);
        free(c);
        sim_machine_free(again);
    }
    free(a);
    free(b);
    sim_machine_free(fast);
    sim_machine_free(slow);
    free(text);
    return 0;
}
