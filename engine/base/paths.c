/* Where mend finds its bundled scripts and scenarios. */
#include "paths.h"
#include "platform.h"

#include <stdlib.h>
#include <string.h>

static bool has_fix_script(const char *dir)
{
    char *scripts = mend_path_join(dir, "scripts");
    char *fix = scripts ? mend_path_join(scripts, "fix.lua") : NULL;
    bool ok = fix && mend_file_exists(fix);
    free(fix);
    free(scripts);
    return ok;
}

char *mend_data_dir(void)
{
    /* An explicit folder is trusted as given, so its errors name the file that is missing. */
    char *env = mend_getenv("MEND_DATA_DIR");
    if (env)
        return env;

    char *exe = mend_exe_dir();
    if (!exe)
        return NULL;
    /* bin/mend -> share/mend (build tree and `make install`); mend.exe beside scripts\ (Windows). */
    char *prefix = mend_dirname(exe);
    char *share = prefix ? mend_path_join(prefix, "share") : NULL;
    char *candidates[2] = {share ? mend_path_join(share, "mend") : NULL, exe};
    char *found = NULL;
    for (int i = 0; i < 2 && !found; i++)
        if (candidates[i] && has_fix_script(candidates[i]))
            found = mend_dupstr(candidates[i]);
    free(candidates[0]);
    free(share);
    free(prefix);
    free(exe);
    return found;
}

char *mend_bundled_script(const char *script, const char *data_dir)
{
    if (!script || !data_dir || (strncmp(script, "scripts/", 8) != 0 && strncmp(script, "scripts\\", 8) != 0) ||
        !script[8] || mend_file_exists(script))
        return NULL;
    char *there = mend_path_join(data_dir, script);
    if (there && !mend_file_exists(there)) {
        free(there);
        there = NULL;
    }
    return there;
}
