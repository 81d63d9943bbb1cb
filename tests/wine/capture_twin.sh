#!/bin/sh
# Under Wine: `mend.exe capture` of a real host (a stand-in PolicyAgent service, a stuck policy
# in the store, a process holding its key) loads back as a simulator twin on which `mend check`
# finds what it finds on the host. Runs inside run_in_prefix.sh (WINEPREFIX set).
# usage: capture_twin.sh MEND_EXE HELPER_DIR
set -u
mend_exe=$1
helpers=$2
. "$(dirname "$0")/lib.sh"
wine_work capture
wine_tools "$helpers"
wine_policy_agent "$helpers"
wine "$helpers/netsh.exe" ipsec static add policy name=Corp-QM "description=corporate QM" >/dev/null
wine "$helpers/netsh.exe" ipsec static add policy name=Healthy-QM "description=in use" >/dev/null
# A policy that arrives the way a captured or exported store does: a .reg file, imported.
printf '%s\r\n' 'Windows Registry Editor Version 5.00' '' \
  '[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local\ipsecPolicy{5b0b8e52-1111-4c3a-9e1e-0123456789ab}]' \
  '"ipsecName"="Imported-QM"' '"ipsecID"="{5b0b8e52-1111-4c3a-9e1e-0123456789ab}"' '"ClassName"="ipsecPolicy"' \
  '"description"="imported from a .reg file"' '"ipsecDataType"=dword:00000100' \
  '"ipsecData"=hex:63,21,20,22,4c,4f,d1,11,86,3b,00,a0,24,8d,30,21,04,00,00,00,30,2a,00,00,00' '' >"$work/store.reg"
wine reg import "$(win "$work/store.reg")" /reg:64 >/dev/null 2>&1
cp "$helpers/holder.exe" "$work/vpnagent.exe"
wine "$work/vpnagent.exe" policy:Corp-QM "$(win "$work/ready")" mark &
holder=$!
desc="the holder is ready"; check wait_file "$work/ready"

mend capture -o "$(win "$work/twin.lua")" 2>"$work/capture.err"
rc=$?
desc="capture exits 0"; check test "$rc" -eq 0
desc="capture names the holder"; check grep -q 'name = "vpnagent.exe"' "$work/twin.lua"
desc="capture holds the policy's handle"; check grep -q 'policy = "Corp-QM"' "$work/twin.lua"
desc="capture holds PolicyAgent"; check grep -q 'PolicyAgent = {' "$work/twin.lua"
desc="capture holds the imported policy"; check grep -q 'name = "Imported-QM", guid = "{5b0b8e52-1111-4c3a-9e1e-0123456789ab}"' "$work/twin.lua"
mend capture -o "$(win "$work/twin2.lua")" 2>/dev/null
desc="two captures are byte-identical"; check cmp -s "$work/twin.lua" "$work/twin2.lua"
# Standard output is a text stream on Windows: the same text with CRLF line ends.
mend capture 2>/dev/null | tr -d '\r' >"$work/twin3.lua"
desc="capture on standard output is the same text"; check cmp -s "$work/twin.lua" "$work/twin3.lua"

# Windows' store keeps no pending-deletion mark: the host says "unknown" for every policy and
# check will not call one healthy (exit 1). The whole-store capture takes them as active; a
# capture that names the policy Windows reported 0x32DF for takes it as stuck, as `mend fix` does.
desc="the unnamed capture says the state was unknown"; check grep -q 'state unknown on the host, captured as active' "$work/twin.lua"
mend check Corp-QM Healthy-QM Imported-QM --json >"$work/host-all.json" 2>/dev/null
rc=$?
desc="check on the host cannot tell any of the three (exit 1)"; check test "$rc" -eq 1
desc="... each before = unknown"
check sh -c "tr -d '\r' <'$work/host-all.json' | jq -e '[.policies[].before] == [\"unknown\", \"unknown\", \"unknown\"]' >/dev/null"
mend capture Corp-QM -o "$(win "$work/twin-stuck.lua")" 2>/dev/null
desc="the named capture takes Corp-QM as stuck"; check grep -q 'state = "pending_deletion"' "$work/twin-stuck.lua"

mend check Corp-QM --json >"$work/host.json" 2>"$work/host.err"
rc_host=$?
cp "$work/twin-stuck.lua" "$work/twin-state.lua"
mend check Corp-QM --json --host "sim:$(win "$work/twin-state.lua")" >"$work/twin.json" 2>"$work/twin.err"
rc_twin=$?
desc="check finds a problem with Corp-QM on the host (exit 1)"; check test "$rc_host" -eq 1
desc="check exits the same on the twin"; check test "$rc_twin" -eq "$rc_host"
# The findings: outcome, blockers and holders (the host's state is unknown, the twin's pending).
norm() { tr -d '\r' <"$1" | jq -S '{policies: (.policies | sort_by(.name) | map({name, outcome,
  diagnosis: [.steps[] | select(.action == "diagnose") | {blockers, holders: [.holders[]? | {pid, process, class}]}]}))}'; }
norm "$work/host.json" >"$work/host.norm"
norm "$work/twin.json" >"$work/twin.norm"
desc="the twin's findings equal the host's"; check diff "$work/host.norm" "$work/twin.norm"
desc="... blocked by the holder"
check sh -c "jq -e '[.policies[].outcome] == [\"blocked\"]' '$work/twin.norm' >/dev/null"

# The change: planned on the twin (exact, the simulator runs every action), applied to the host.
# The plan's first delete is expected to fail in_use, the kill and the second delete to succeed.
cp "$work/twin-stuck.lua" "$work/plan-state.lua"
mend fix Corp-QM --allow kill --plan "$(win "$work/plan.json")" --host "sim:$(win "$work/plan-state.lua")" \
  >/dev/null 2>"$work/plan.err"
desc="the plan on the twin: delete, kill, delete"
check sh -c "tr -d '\r' <'$work/plan.json' | jq -e '[.actions[].op] == [\"ipsec.delete\", \"proc.kill\", \"ipsec.delete\"]' >/dev/null"
mend apply "$(win "$work/plan.json")" >/dev/null 2>"$work/refused.err"
rc=$?
desc="apply without the plan's --allow kill refuses (exit 2)"; check test "$rc" -eq 2
desc="... the holder still runs"; check kill -0 "$holder"
mend apply "$(win "$work/plan.json")" --allow kill --json >"$work/apply.json" 2>"$work/apply.err"
rc=$?
desc="apply on the host exits 0"; check test "$rc" -eq 0
desc="... one kill, one delete"; check sh -c "tr -d ' \t\r\n' <'$work/apply.json' | grep -q '\"deletes\":1,' && tr -d ' \t\r\n' <'$work/apply.json' | grep -q '\"kills\":1,'"
sleep 1
desc="... the holder is gone"; check sh -c "! kill -0 $holder 2>/dev/null"
desc="... the policy is gone"; check sh -c "! wine '$helpers/netsh.exe' ipsec static show policy all | grep -q Corp-QM"

kill %2 2>/dev/null
wine_finish "$work"/*.err "$work"/*.json "$work"/twin.lua
