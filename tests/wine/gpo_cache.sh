#!/bin/sh
# Under Wine: a GPO cache (Policy\Cache keys and GPTIPSECPolicy) and one local policy imported
# with Wine's `reg import`; mend.exe (with the test seams, so the stand-in netsh and gpupdate would
# log any start) must list the cached ones as GPO-delivered, never start netsh for one, leave the
# one its GPO assigns blocked, and try one gpupdate for the stale one. Runs inside run_in_prefix.sh.
# usage: gpo_cache.sh MEND_SEAMS_EXE HELPER_DIR SCRIPT_DIR (where gpo_cache.lua is)
set -u
mend_exe=$1
helpers=$2
luadir=$3
. "$(dirname "$0")/lib.sh"
wine_work gpo
wine_tools "$helpers" log

# The cache holds the directory policy's objects as the local store does (MS-GPIPSEC 2.2.2);
# GPTIPSECPolicy names the assigned one by its directory path (DSIPSECPolicyPath).
python3 - "$work/gpo.reg" <<'PY'
import sys
B = r"SOFTWARE\Policies\Microsoft\Windows\IPSec"
def g(n): return "{7b0e4a10-0000-4000-8000-%012x}" % n
def pol(where, n, name):
    return ("[HKEY_LOCAL_MACHINE\\%s\\Policy\\%s\\ipsecPolicy%s]\r\n" % (B, where, g(n)) +
            '"ClassName"="ipsecPolicy"\r\n"description"=""\r\n"ipsecID"="%s"\r\n"ipsecName"="%s"\r\n'
            '"name"="ipsecPolicy%s"\r\n"whenChanged"=dword:6955b900\r\n\r\n' % (g(n), name, g(n)))
out = "Windows Registry Editor Version 5.00\r\n\r\n"
out += pol("Cache", 1, "Corp-QM") + pol("Cache", 2, "Old-QM") + pol("Local", 3, "Local-QM")
out += ("[HKEY_LOCAL_MACHINE\\%s\\GPTIPSECPolicy]\r\n" % B +
        '"DSIPSECPolicyPath"="LDAP://CN=ipsecPolicy%s,CN=IP Security,CN=System,DC=corp,DC=example"\r\n' % g(1) +
        '"DSIPSECPolicyName"="Corp-QM"\r\n"GPOName"="Corp IPsec GPO"\r\n\r\n')
open(sys.argv[1], "wb").write(b"\xff\xfe" + out.encode("utf-16-le"))
PY
wine reg import "$(win "$work/gpo.reg")" >/dev/null 2>&1 || { echo "FAIL reg import of the GPO cache"; exit 1; }

wine "$mend_exe" run "$(win "$luadir/gpo_cache.lua")" 2>"$work/run.err" || fail=1

wine "$mend_exe" fix Corp-QM --allow all --yes --json >"$work/assigned.json" 2>>"$work/run.err"
rc=$?
desc="fix of the policy its GPO assigns exits 1"; check test "$rc" -eq 1
desc="... blocked at identify"; check json assigned '.policies[0].outcome == "blocked" and .policies[0].rung == "identify"'
desc="... no delete, registry removal, gpupdate or reboot"; check json assigned \
  '.actions.deletes == 0 and .actions.registry_deletes == 0 and .actions.gpupdates == 0 and .actions.reboots == 0'
desc="... the advice names the GPO and Group Policy Management"; check json assigned \
  '.advice[0] | contains("Corp IPsec GPO") and contains("Group Policy Management") and contains("gpupdate /target:computer /force")'
desc="... and gpupdate did not run"; check test ! -s "$work/gpupdate.log"

# The stand-in gpupdate leaves the cache as it is: the stale copy stays, and mend says so.
wine "$mend_exe" fix Old-QM --allow all --yes --json >"$work/stale.json" 2>>"$work/run.err"
desc="fix of the stale copy tries exactly one gpupdate"; check json stale '.actions.gpupdates == 1 and .actions.deletes == 0 and .actions.registry_deletes == 0 and .actions.reboots == 0'
desc="... with /target:computer /force"; check grep -q "/target:computer /force" "$work/gpupdate.log"
desc="... and fails, saying it is a stale copy no GPO names, when the cache stays"; check json stale \
  '.policies[0].outcome == "failed" and (.advice | map(contains("stale copy") and contains("GPTIPSECPolicy does not name it")) | any)'
desc="netsh was never started for a GPO-delivered policy"; check test ! -s "$work/netsh.log"
wine_finish "$work/run.err" "$work/netsh.log"
