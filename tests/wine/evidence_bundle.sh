#!/bin/sh
# Under Wine: `mend.exe capture --evidence DIR` of a real host writes the bundle from Windows'
# registry (the store exported as .reg, a rule's preshared key blanked), records what it cannot
# collect (no netsh ipsec context under Wine: the stand-in answers "not found"; Wine's event log
# reader is a stub) and still collects the rest; the bundle replays into a twin; nothing on the
# host changes.
# Runs inside run_in_prefix.sh (WINEPREFIX set). usage: evidence_bundle.sh MEND_EXE HELPER_DIR
set -u
mend_exe=$1
helpers=$2
. "$(dirname "$0")/lib.sh"
wine_work evidence
wine_tools "$helpers"

wine "$helpers/netsh.exe" ipsec static add policy name=Corp-QM "description=corporate QM" >/dev/null
for i in 1 2 3 4 5; do wine "$helpers/netsh.exe" ipsec static add policy name=QM-$i >/dev/null; done
# A rule whose ipsecData holds a preshared key ("S3cretPSK" in UTF-16LE after the class GUID).
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local\ipsecNFA{5a5a5a5a-0000-4000-8000-000000000001}]' \
  '"ClassName"="ipsecNFA"' \
  '"ipsecData"=hex:b5,20,dc,80,c8,2e,d1,11,a8,9e,00,a0,24,8d,30,21,12,00,00,00,53,00,33,00,63,00,72,00,65,00,74,00,50,00,53,00,4b,00' \
  '' >"$work/rule.reg"
wine reg import "$(win "$work/rule.reg")" /reg:64 >/dev/null 2>&1
wine reg export 'HKLM\SOFTWARE\Policies\Microsoft\Windows\IPSec' "$(win "$work/before.reg")" /y /reg:64 >/dev/null 2>&1

MEND_TEST_NETSH_LOG="$(win "$work/netsh.log")" wine "$mend_exe" capture --evidence "$(win "$work/bundle")" \
  2>"$work/capture.err"
rc=$?
desc="capture --evidence exits 0"; check test "$rc" -eq 0
# Six policies, two netsh starts: static and dynamic show all, once each per bundle.
desc="netsh started twice in all"; check test "$(grep -c '^netsh' "$work/netsh.log")" -eq 2
desc="... only to show"; check sh -c "! grep '^netsh' '$work/netsh.log' | grep -v '\[show\] \[all\]'"
m="$work/bundle/manifest.json"
desc="the manifest is written"; check test -f "$m"
desc="... for host local"; check jq -e '.host == "local" and .format == "mend-evidence/1"' "$m"
desc="store.reg is collected with its sha256"
check sh -c "jq -e '.files[] | select(.name == \"store.reg\") | .collected' '$m' >/dev/null &&
  test \"\$(sha256sum '$work/bundle/store.reg' | cut -d' ' -f1)\" = \"\$(jq -r '.files[] | select(.name == \"store.reg\") | .sha256' '$m')\""
desc="... it holds Corp-QM"; check sh -c "iconv -f UTF-16LE -t UTF-8 '$work/bundle/store.reg' | grep -q '\"ipsecName\"=\"Corp-QM\"'"
desc="... but not the preshared key"
check sh -c "! iconv -f UTF-16LE -t UTF-8 '$work/bundle/store.reg' | tr -d ' \r\n\\\\' | grep -qi '53,00,33,00,63,00'"
desc="... and the manifest names the blanked value"
check jq -e '[.redacted[] | select(test("ipsecNFA\\{5a5a5a5a"; "i"))] | length == 1' "$m"
desc="netsh's show text is recorded as not collected, with netsh's answer"
check jq -e '[.files[] | select(.name == "netsh-static.txt" or .name == "netsh-dynamic.txt") | select(.collected == false and (.reason | test("netsh")))] | length == 2' "$m"
desc="events.json is recorded as not collected: Wine's wevtapi is a stub (code unsupported)"
check jq -e '.files[] | select(.name == "events.json") | .collected == false and (.reason | contains("code unsupported"))' "$m"
desc="policies, services and NICs are still collected"
check jq -e '[.files[] | select((.name == "policies.json" or .name == "services.json" or .name == "nics.json") and .collected)] | length == 3' "$m"
desc="every item is listed, collected or with its reason"
check jq -e '(.files | length) as $n | [.files[] | select(.collected or ((.reason // "") | length > 0))] | length == $n and $n == 11' "$m"

wine reg export 'HKLM\SOFTWARE\Policies\Microsoft\Windows\IPSec' "$(win "$work/after.reg")" /y /reg:64 >/dev/null 2>&1
desc="the store is unchanged"; check cmp -s "$work/before.reg" "$work/after.reg"
desc="no journal was written"; check test ! -f "$work/state/journal.jsonl"

mend capture --from-evidence "$(win "$work/bundle")" -o "$(win "$work/twin.lua")" 2>"$work/replay.err"
rc=$?
desc="the bundle replays (exit 0)"; check test "$rc" -eq 0
desc="... the twin holds Corp-QM"; check grep -q 'name = "Corp-QM"' "$work/twin.lua"

wine_finish "$work"/*.err "$m"
