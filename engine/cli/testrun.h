/* mend test: runs a script on throwaway copies of scenarios and compares with expectations. */
#ifndef MEND_TESTRUN_H
#define MEND_TESTRUN_H

#include "cli.h"

/* Returns 0 when every scenario met its expectations, 1 when one did not, 2 on usage errors. */
int mend_test_command(const mend_options *o);

#endif
