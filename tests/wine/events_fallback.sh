#!/bin/sh
# Under Wine, whose wevtapi.dll is a stub and which has no winipsec: `mend.exe check` and `fix` of
# a local policy go on without the event log and the SPD, say so in one step each, and decide
# by what the store says (state unknown: a named policy is a problem, never healthy).
# Runs inside run_in_prefix.sh. usage: events_fallback.sh MEND_SEAMS_EXE HELPER_DIR
set -u
mend_exe=$1
helpers=$2
win() { winepath -w "$1" 2>/dev/null; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-events.XXXXXX")
cd "$work" || exit 1
export MEND_NETSH="$(win "$helpers/netsh.exe")"
export MEND_TEST_NETSH_LOG="$(win "$work/netsh.log")"
export MEND_STATE_DIR="$(win "$work/state")"
export MEND_GPUPDATE="$(win "$helpers/fake_tool.exe")"
export MEND_TEST_TOOL_LOG="$(win "$work/gpupdate.log")"

python3 - "$work/local.reg" <<'PY'
import sys
B = r"SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local"
g = "{7b0e4a10-0000-4000-8000-0000000000e1}"
out = "Windows Registry Editor Version 5.00\r\n\r\n"
out += ("[HKEY_LOCAL_MACHINE\\%s\\ipsecPolicy%s]\r\n" % (B, g) +
        '"ClassName"="ipsecPolicy"\r\n"description"=""\r\n"ipsecID"="%s"\r\n"ipsecName"="Branch-QM"\r\n'
        '"name"="ipsecPolicy%s"\r\n"whenChanged"=dword:6955b900\r\n\r\n' % (g, g))
open(sys.argv[1], "wb").write(b"\xff\xfe" + out.encode("utf-16-le"))
PY
wine reg import "$(win "$work/local.reg")" >/dev/null 2>&1 || { echo "FAIL reg import of the policy"; exit 1; }

fail=0
check() {  # check DESCRIPTION COMMAND...
  d=$1; shift
  if "$@"; then echo "ok   $d"; else echo "FAIL $d"; fail=1; fi
}
json() { jq -e "$2" "$work/$1.json" >/dev/null 2>&1; }

wine "$mend_exe" check Branch-QM --json >"$work/check.json" 2>"$work/check.err"
check "check of a policy of unknown state exits 1 (not healthy)" test $? -eq 1
check "... one step says the event log cannot be read and the store decides" json check \
  '[.steps[]? , .policies[].steps[]? | select(.action == "events.recent" and .code == "unsupported"
     and (.message | contains("going by what the policy store says")))] | length == 1'
check "... one step says the same of the SPD" json check \
  '[.steps[]? , .policies[].steps[]? | select(.action == "spd.qm_policies" and .code == "unsupported")] | length == 1'
check "... and the policy is still diagnosed from the store" json check \
  '.policies[0].name == "Branch-QM" and .policies[0].before == "unknown"'

printf 'local l, m, c = events.recent()\nassert(l == nil and c == "unsupported", tostring(m))\nprint("events: " .. m)\n' >"$work/ev.lua"
wine "$mend_exe" run "$(win "$work/ev.lua")" >"$work/ev.out" 2>&1
check "events.recent answers nil, message, unsupported to a script" grep -q "events: the event log cannot be read here" "$work/ev.out"

if [ $fail -ne 0 ]; then
  echo "--- check.json"; cat "$work/check.json"; echo "--- check.err"; cat "$work/check.err"; cat "$work/ev.out"
fi
exit $fail
