/* Human output on stderr: levels, -q/-v, colour on a terminal. */
#ifndef MEND_LOG_H
#define MEND_LOG_H

#include "mend_err.h"   /* MEND_PRINTF */
#include <stdbool.h>

typedef enum mend_log_level {
    MEND_LOG_DEBUG = 0,
    MEND_LOG_INFO,
    MEND_LOG_WARN,
    MEND_LOG_ERROR
} mend_log_level;

/* verbosity: -1 quiet (warnings and errors only), 0 normal, >=1 debug. */
void mend_log_init(int verbosity, bool color);
bool mend_log_enabled(mend_log_level level);
void mend_log(mend_log_level level, const char *fmt, ...) MEND_PRINTF(2, 3);
void mend_log_msg(mend_log_level level, const char *msg);
bool mend_log_color(void);
/* --color=always|never: set as given, whatever the terminal and NO_COLOR say. */
void mend_log_set_color(bool on);
#endif
