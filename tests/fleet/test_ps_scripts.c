/* The Intune and Configuration Manager PowerShell scripts as files: the encoding PowerShell 5.1
 * and Intune accept, the exact mend command lines, the exit-code mapping, and no reboot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf.h"

#define CONTRIB MEND_SOURCE_DIR "/contrib/"

static char *load(const char *name, size_t *len)
{
    char path[600];
    snprintf(path, sizeof path, "%s%s", CONTRIB, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* The code without comments, lower-cased: what PowerShell would execute. */
static char *code_only(const char *text)
{
    char *out = malloc(strlen(text) + 1);
    assert_non_null(out);
    size_t o = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char quote = 0;
        for (size_t i = 0; i < n; i++) {
            char c = line[i];
            if (!quote && c == '#')
                break; /* a comment runs to the end of the line */
            if (c == '\'' || c == '"')
                quote = quote == c ? 0 : quote ? quote : c;
            out[o++] = (char)tolower((unsigned char)c);
        }
        out[o++] = '\n';
        line += n + (end ? 1 : 0);
    }
    out[o] = '\0';
    return out;
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        k++;
    return k;
}

static void assert_encoding(const char *name)
{
    size_t len;
    char *text = load(name, &len);
    assert_false(len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0); /* no BOM */
    assert_true(mend_utf8_valid(text, len));
    /* Without a BOM, Windows PowerShell 5.1 reads a script in the ANSI code page: ASCII only. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        assert_true(c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F));
    }
    assert_int_equal(text[len - 1], '\n');
    free(text);
}

static const char *const all_scripts[] = {"intune/Detect-Mend.ps1", "intune/Remediate-Mend.ps1",
                                          "sccm/CI-Discovery.ps1", "sccm/CI-Remediation.ps1",
                                          "sccm/App-Detection.ps1"};
enum { NSCRIPTS = sizeof all_scripts / sizeof *all_scripts };

static void test_ps_scripts_are_utf8_without_bom_and_ascii(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSCRIPTS; i++)
        assert_encoding(all_scripts[i]);
}

static void assert_command_line(const char *name, const char *expected)
{
    size_t len;
    char *text = load(name, &len);
    char line[200];
    snprintf(line, sizeof line, "\n$MendArguments = '%s'\n", expected);
    assert_int_equal(occurrences(text, line), 1);
    assert_int_equal(occurrences(text, "$MendArguments ="), 1);
    /* ... and that is what reaches mend.exe. */
    assert_int_equal(occurrences(text, "$run = Invoke-Mend $mend $MendArguments\n"), 1);
    assert_int_equal(occurrences(text, "$psi.Arguments = $Arguments\n"), 1);
    assert_int_equal(occurrences(text, "$psi.FileName = $Exe\n"), 1);
    free(text);
}

static void test_intune_detection_runs_mend_check_summary(void **state)
{
    (void)state;
    assert_command_line("intune/Detect-Mend.ps1", "check --summary");
}

static void test_intune_remediation_runs_mend_fix_all_pending_summary_allow_kill_nic(void **state)
{
    (void)state;
    assert_command_line("intune/Remediate-Mend.ps1", "fix --all-pending --summary --allow kill,nic");
}

static void test_sccm_scripts_run_mend_check_and_fix(void **state)
{
    (void)state;
    assert_command_line("sccm/CI-Discovery.ps1", "check --summary");
    assert_command_line("sccm/App-Detection.ps1", "check --summary");
    assert_command_line("sccm/CI-Remediation.ps1", "fix --all-pending --summary --allow kill,nic");
    size_t len;
    char *disc = load("sccm/CI-Discovery.ps1", &len);
    assert_int_equal(occurrences(disc, "    0 { Write-Output 'Compliant'; exit 0 }\n"), 1);
    char *app = load("sccm/App-Detection.ps1", &len);
    /* ConfigMgr: output + exit 0 = installed (healthy); no output + exit 0 = run the program. */
    assert_int_equal(occurrences(app, "    0 { Write-Output 'mend: healthy'; exit 0 }\n"), 1);
    assert_int_equal(occurrences(app, "    { $_ -eq 1 -or $_ -eq 3 } { exit 0 }"), 1);
    assert_int_equal(occurrences(app, "Write-Output"), 2); /* 'mend: healthy' and Write-MendLine's */
    free(disc);
    free(app);
}

/* No script reboots, nor lets mend reboot: a needed reboot is reported, not done. */
static void test_ps_scripts_never_reboot(void **state)
{
    (void)state;
    for (size_t i = 0; i < NSCRIPTS; i++) {
        size_t len;
        char *text = load(all_scripts[i], &len);
        char *code = code_only(text);
        const char *forbidden[] = {"restart-computer", "stop-computer", "shutdown", "win32shutdown",
                                   "initiatesystemshutdown", "--allow all", "all'", ",all", "reboot,", ",reboot"};
        for (size_t k = 0; k < sizeof forbidden / sizeof *forbidden; k++)
            assert_int_equal(occurrences(code, forbidden[k]), 0);
        /* "reboot" appears in code only as the name of the exit-code knob. */
        assert_int_equal(occurrences(code, "reboot"), occurrences(code, "$rebootrequiredexitcode"));
        free(code);
        free(text);
    }
}

/* Intune's reading of exit codes: detection 1 = issue found; mend's 2 becomes a failure line. */
static void test_intune_exit_code_mapping(void **state)
{
    (void)state;
    size_t len;
    char *detect = load("intune/Detect-Mend.ps1", &len);
    assert_int_equal(occurrences(detect, "    0 { Write-MendLine $summary; exit 0 }\n"), 1);
    assert_int_equal(occurrences(detect, "    1 { Write-MendLine $summary; exit 1 }\n"), 1);
    assert_int_equal(occurrences(detect, "    3 { Write-MendLine $summary; exit 1 }"), 1);
    assert_int_equal(occurrences(detect, "mend: failed: mend check exited 2 (usage, configuration or script error)"), 1);
    char *remediate = load("intune/Remediate-Mend.ps1", &len);
    assert_int_equal(occurrences(remediate, "    0 { Write-MendLine $summary; exit 0 }\n"), 1);
    assert_int_equal(occurrences(remediate, "    1 { Write-MendLine $summary; exit 1 }\n"), 1);
    assert_int_equal(occurrences(remediate, "    3 { Write-MendLine $summary; exit $RebootRequiredExitCode }\n"), 1);
    assert_int_equal(occurrences(remediate, "\n$RebootRequiredExitCode = 0\n"), 1);
    assert_int_equal(occurrences(remediate, "mend: failed: mend fix exited 2 (usage, configuration or script error)"), 1);
    const char *both[] = {detect, remediate};
    for (size_t i = 0; i < 2; i++) {
        /* One line of output: mend's last line (its summary) or the failure line, capped under
         * 2,048 characters and stripped of control characters. */
        assert_int_equal(occurrences(both[i], "if ($t.Length -gt 2000) { $t = $t.Substring(0, 2000) + '...' }"), 1);
        assert_int_equal(occurrences(both[i], "$t = ($Text -replace '[\\x00-\\x1F\\x7F]', ' ').Trim()"), 1);
        assert_int_equal(occurrences(both[i], "$summary = $(if ($run.Lines.Count -gt 0) { $run.Lines[-1] } else { '' })"), 1);
        assert_int_equal(occurrences(both[i], "Write-MendLine $summary;"), 3);
        assert_int_equal(occurrences(both[i], "Write-MendLine $line"), 0);
        assert_int_equal(occurrences(both[i], "Write-Output"), 1); /* only inside Write-MendLine */
        /* mend.exe beside the script, else in Program Files (the 64-bit one from 32-bit PowerShell). */
        assert_int_equal(occurrences(both[i], "Join-Path $PSScriptRoot 'mend.exe'"), 1);
        assert_int_equal(occurrences(both[i], "@($env:ProgramW6432, $env:ProgramFiles)"), 1);
        assert_int_equal(occurrences(both[i], "Join-Path $root 'mend\\mend.exe'"), 1);
        /* mend's output is read as UTF-8, whatever the console's code page. */
        assert_int_equal(occurrences(both[i], "$psi.StandardOutputEncoding = $utf8"), 1);
    }
    free(detect);
    free(remediate);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ps_scripts_are_utf8_without_bom_and_ascii),
        cmocka_unit_test(test_intune_detection_runs_mend_check_summary),
        cmocka_unit_test(test_intune_remediation_runs_mend_fix_all_pending_summary_allow_kill_nic),
        cmocka_unit_test(test_sccm_scripts_run_mend_check_and_fix),
        cmocka_unit_test(test_ps_scripts_never_reboot),
        cmocka_unit_test(test_intune_exit_code_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
