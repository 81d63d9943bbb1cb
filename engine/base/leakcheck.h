/* Whether a leak checker watches this process: then memory mend would leave to the system at
 * exit (or keep in its own pools) is freed piece by piece instead, so what it reports is real. */
#ifndef MEND_LEAKCHECK_H
#define MEND_LEAKCHECK_H

#include <stdbool.h>

/* True in an AddressSanitizer build (LeakSanitizer) and under valgrind. */
bool mend_leak_checked(void);

#endif
