/* Must not compile: the base layer including the run layer's engine.h (tests/layers). */
#include "engine.h"

int layers_upward_include(void);
int layers_upward_include(void)
{
    return MEND_GATE_ALL;
}
