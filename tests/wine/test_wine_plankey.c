/* Wine test of the plan key on Windows: made once from BCryptGenRandom, its DACL protected and
 * granting full control to SYSTEM and Administrators only, and recognised behind other spellings. */
#include "wt.h"

#include <aclapi.h>
#include <sddl.h>

#include "plan.h"

static char dir[MAX_PATH];

static void test_key_is_made_once(void)
{
    unsigned char k1[MEND_PLAN_KEY_LEN], k2[MEND_PLAN_KEY_LEN], zero[MEND_PLAN_KEY_LEN] = { 0 };
    mend_err e;
    WT_CHECK(mend_plan_key_get(dir, false, k1, &e) != 0 && e.code == MEND_E_NOT_FOUND, "%s", e.msg);
    WT_OK(mend_plan_key_get(dir, true, k1, &e), e);
    WT_OK(mend_plan_key_get(dir, true, k2, &e), e);
    WT_CHECK(memcmp(k1, k2, sizeof k1) == 0, "a second call made another key");
    WT_CHECK(memcmp(k1, zero, sizeof k1) != 0, "the key is all zero");
}

/* Wine keeps a file's security as Unix mode bits (server/file.c builds the DACL back from the mode:
 * the owner's and SYSTEM's entries), so the exact DACL is checked on Windows only; under Wine no
 * entry may grant Everyone, Users or Authenticated Users. */
static bool under_wine(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    return nt && GetProcAddress(nt, "wine_get_version") != NULL;
}

static bool broad_sid(const wchar_t *sid)
{
    return wcscmp(sid, L"S-1-1-0") == 0 || wcscmp(sid, L"S-1-5-32-545") == 0 || wcscmp(sid, L"S-1-5-11") == 0;
}

/* The ACL as Windows reports it: protected, two allow entries, SYSTEM and Administrators. */
static void test_key_acl_is_system_and_administrators(void)
{
    char path[MAX_PATH + 16];
    snprintf(path, sizeof path, "%s\\plan.key", dir);
    wchar_t wpath[MAX_PATH + 16];
    MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, MAX_PATH + 16);
    PACL dacl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD rc = GetNamedSecurityInfoW(wpath, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd);
    WT_CHECK(rc == ERROR_SUCCESS && dacl, "GetNamedSecurityInfoW: %lu", rc);
    if (rc != ERROR_SUCCESS || !dacl)
        return;
    bool wine = under_wine();
    for (DWORD i = 0; wine && i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace = NULL;
        LPWSTR sid = NULL;
        if (GetAce(dacl, i, (void **)&ace) && ConvertSidToStringSidW((PSID)&ace->SidStart, &sid)) {
            WT_CHECK(!broad_sid(sid), "an entry grants %ls", sid);
            LocalFree(sid);
        }
    }
    if (wine) {
        fprintf(stderr, "(under Wine: the exact DACL is a Windows-only check)\n");
        LocalFree(sd);
        return;
    }
    SECURITY_DESCRIPTOR_CONTROL ctl = 0;
    DWORD rev = 0;
    GetSecurityDescriptorControl(sd, &ctl, &rev);
    WT_CHECK(ctl & SE_DACL_PROTECTED, "the DACL inherits (control 0x%x)", (unsigned)ctl);
    WT_CHECK(dacl->AceCount == 2, "%u entries", (unsigned)dacl->AceCount);
    bool system = false, admins = false;
    for (DWORD i = 0; i < dacl->AceCount; i++) {
        ACCESS_ALLOWED_ACE *ace = NULL;
        if (!GetAce(dacl, i, (void **)&ace))
            continue;
        WT_CHECK(ace->Header.AceType == ACCESS_ALLOWED_ACE_TYPE, "entry %lu is type %u", i, ace->Header.AceType);
        WT_CHECK((ace->Mask & FILE_ALL_ACCESS) == FILE_ALL_ACCESS, "entry %lu mask 0x%lx", i, ace->Mask);
        LPWSTR sid = NULL;
        if (ConvertSidToStringSidW((PSID)&ace->SidStart, &sid)) {
            system = system || wcscmp(sid, L"S-1-5-18") == 0;
            admins = admins || wcscmp(sid, L"S-1-5-32-544") == 0;
            WT_CHECK(wcscmp(sid, L"S-1-5-18") == 0 || wcscmp(sid, L"S-1-5-32-544") == 0, "entry for %ls", sid);
            LocalFree(sid);
        }
    }
    WT_CHECK(system && admins, "SYSTEM %d, Administrators %d", system, admins);
    LocalFree(sd);
}

static void test_key_behind_other_spellings(void)
{
    char key[MAX_PATH + 16], upper[MAX_PATH + 16], dotted[MAX_PATH + 32];
    snprintf(key, sizeof key, "%s\\plan.key", dir);
    snprintf(upper, sizeof upper, "%s\\PLAN.KEY", dir);
    snprintf(dotted, sizeof dotted, "%s\\.\\sub\\..\\plan.key", dir);
    WT_CHECK(mend_plan_key_behind(key, upper, false), "upper case");
    WT_CHECK(mend_plan_key_behind(key, dotted, false), "dots");
    WT_CHECK(mend_plan_key_behind(key, dir, true), "the folder, for removal");
    WT_CHECK(!mend_plan_key_behind(key, dir, false), "the folder is not the file");
}

int main(void)
{
    DWORD n = GetTempPathA(MAX_PATH - 32, dir);
    snprintf(dir + n, sizeof dir - n, "mend-plankey-%lu", (unsigned long)GetCurrentProcessId());
    WT_RUN(test_key_is_made_once);
    WT_RUN(test_key_acl_is_system_and_administrators);
    WT_RUN(test_key_behind_other_spellings);
    return wt_done();
}
