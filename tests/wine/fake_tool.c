/* A stand-in for gpupdate.exe in the Wine tests: logs its arguments, answers like gpupdate. */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

#include "helper_log.h"

/* $MEND_TEST_TOOL_LOG: where the command line goes; $MEND_TEST_TOOL_EXIT: the exit code. */
int main(void)
{
    wchar_t log[MAX_PATH] = L"";
    GetEnvironmentVariableW(L"MEND_TEST_TOOL_LOG", log, MAX_PATH);
    helper_log(log, GetCommandLineW());
    char code[16] = "0";
    GetEnvironmentVariableA("MEND_TEST_TOOL_EXIT", code, sizeof code);
    int rc = atoi(code);
    printf("Updating policy...\r\n\r\n");
    if (rc == 0)
        printf("Computer Policy update has completed successfully.\r\n");
    else
        printf("Computer policy could not be updated successfully.\r\n");
    fflush(stdout);
    return rc;
}
