/* Leak-checker detection (see leakcheck.h). */
#include "leakcheck.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define MEND_UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef MEND_UNDER_VALGRIND
#define MEND_UNDER_VALGRIND() false
#endif

#if defined(__SANITIZE_ADDRESS__)
#define MEND_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEND_ASAN 1
#endif
#endif

bool mend_leak_checked(void)
{
#ifdef MEND_ASAN
    return true;
#else
    return MEND_UNDER_VALGRIND();
#endif
}
