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
win() { winepath -w "$1" 2>/dev/null; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-gpo.XXXXXX")
cd "$work" || exit 1
export MEND_NETSH="$(win "$helpers/netsh.exe")"
export MEND_TEST_NETSH_LOG="$(win "$work/netsh.log")"
export MEND_STATE_DIR="$(win "$work/state")"
export MEND_GPUPDATE="$(win "$helpers/fake_tool.exe")"
export MEND_TEST_TOOL_LOG="$(win "$work/gpupdate.log")"

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

fail=0
wine "$mend_exe" run "$(win "$luadir/gpo_cache.lua")" 2>"$work/run.err" || fail=1
check() {  # check DESCRIPTION COMMAND...
  d=$1; shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}
json() { jq -e "$2" "$work/$1.json" >/dev/null 2>&1; }

wine "$mend_exe" fix Corp-QM --allow all --yes --json >"$work/assigned.json" 2>>"$work/run.err"
check "fix of the policy its GPO assigns exits 1" test $? -eq 1
check "... blocked at identify" json assigned '.policies[0].outcome == "blocked" and .policies[0].rung == "identify"'
check "... no delete, registry removal, gpupdate or reboot" json assigned \
  '.actions.deletes == 0 and .actions.registry_deletes == 0 and .actions.gpupdates == 0 and .actions.reboots == 0'
check "... the advice names the GPO and Group Policy Management" json assigned \
  '.advice[0] | contains("Corp IPsec GPO") and contains("Group Policy Management") and contains("gpupdate /target:computer /force")'
check "... and gpupdate did not run" test ! -s "$work/gpupdate.log"

# The stand-in gpupdate leaves the cache as it is: the stale copy stays, and mend says so.
wine "$mend_exe" fix Old-QM --allow all --yes --json >"$work/stale.json" 2>>"$work/run.err"
check "fix of the stale copy tries exactly one gpupdate" json stale '.actions.gpupdates == 1 and .actions.deletes == 0 and .actions.registry_deletes == 0 and .actions.reboots == 0'
check "... with /target:computer /force" grep -q "/target:computer /force" "$work/gpupdate.log"
check "... and fails, saying it is a stale copy no GPO names, when the cache stays" json stale \
  '.policies[0].outcome == "failed" and (.advice | map(contains("stale copy") and contains("GPTIPSECPolicy does not name it")) | any)'
if [ -s "$work/netsh.log" ]; then
  echo "FAIL netsh was started for a GPO-delivered policy:"; cat "$work/netsh.log"; fail=1
else
  echo "ok   netsh was never started"
fi
if [ "$fail" -ne 0 ]; then
  cat "$work/run.err" >&2
  echo "gpo_cache: failed; work folder kept: $work" >&2
  exit 1
fi
rm -rf "$work"
exit 0
