#!/bin/sh
# Under Wine: a GPO cache (Policy\Cache keys and GPTIPSECPolicy) and one local policy imported
# with Wine's `reg import`; mend.exe must list the cached ones as GPO-delivered and never start
# netsh to delete one. Runs inside run_in_prefix.sh.
# usage: gpo_cache.sh MEND_EXE HELPER_DIR SCRIPT_DIR (where gpo_cache.lua is)
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
