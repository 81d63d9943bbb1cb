#!/bin/sh
# Under Wine, whose wevtapi.dll is a stub and which has no winipsec: `mend.exe check` and `fix` of
# a local policy go on without the event log and the SPD, say so in one step each, and decide
# by what the store says (state unknown: a named policy is a problem, never healthy).
# Runs inside run_in_prefix.sh. usage: events_fallback.sh MEND_SEAMS_EXE HELPER_DIR
set -u
mend_exe=$1
helpers=$2
. "$(dirname "$0")/lib.sh"
wine_work events
wine_tools "$helpers" log

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


wine "$mend_exe" check Branch-QM --json >"$work/check.json" 2>"$work/check.err"
rc=$?
desc="check of a policy of unknown state exits 1 (not healthy)"; check test "$rc" -eq 1
desc="... one step says the event log cannot be read and the store decides"; check json check \
  '[.steps[]? , .policies[].steps[]? | select(.action == "events.recent" and .code == "unsupported"
     and (.message | contains("going by what the policy store says")))] | length == 1'
desc="... one step says the same of the SPD"; check json check \
  '[.steps[]? , .policies[].steps[]? | select(.action == "spd.qm_policies" and .code == "unsupported")] | length == 1'
desc="... and the policy is still diagnosed from the store"; check json check \
  '.policies[0].name == "Branch-QM" and .policies[0].before == "unknown"'

printf 'local l, m, c = events.recent()\nassert(l == nil and c == "unsupported", tostring(m))\nprint("events: " .. m)\n' >"$work/ev.lua"
wine "$mend_exe" run "$(win "$work/ev.lua")" >"$work/ev.out" 2>&1
desc="events.recent answers nil, message, unsupported to a script"; check grep -q "events: the event log cannot be read here" "$work/ev.out"

wine_finish "$work/check.json" "$work/check.err" "$work/ev.out"
