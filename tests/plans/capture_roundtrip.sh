#!/bin/bash
# Capture of every bundled scenario round-trips: `mend check --json` on the capture equals
# `mend check --json` on the original; capture is read-only and byte-deterministic.
# usage: capture_roundtrip.sh MEND SOURCE_DIR WORK
set -u
MEND=$1 SRC=$2 WORK=$3
rm -rf "$WORK"; mkdir -p "$WORK"
export MEND_DATA_DIR=$SRC MEND_STATE_DIR=$WORK/state
fail=0
# The findings, in a stable order: key order inside steps and the policy order do not matter.
norm() { jq -S '.policies |= sort_by(.name) | del(.mend, .started, .finished, .duration_s)' "$1"; }
for scen in "$SRC"/scenarios/*.lua "$SRC"/scenarios/tests/*.lua; do
  base=$(basename "$scen" .lua)
  cp "$scen" "$WORK/$base.lua"
  # The simulator writes its state in its own form on first use: compare against that.
  "$MEND" sim init "$scen" --host "sim:$WORK/$base.lua" -q >/dev/null 2>&1
  cp "$WORK/$base.lua" "$WORK/$base.before"
  if ! "$MEND" capture -o "$WORK/$base.twin.lua" --host "sim:$WORK/$base.lua" -q 2>"$WORK/$base.err"; then
    echo "FAIL $base: capture failed: $(cat "$WORK/$base.err")"; fail=1; continue
  fi
  if ! cmp -s "$WORK/$base.lua" "$WORK/$base.before"; then
    echo "FAIL $base: capture changed the state file"; fail=1
  fi
  "$MEND" capture --host "sim:$WORK/$base.lua" -q >"$WORK/$base.twin2.lua" 2>/dev/null
  if ! cmp -s "$WORK/$base.twin.lua" "$WORK/$base.twin2.lua"; then
    echo "FAIL $base: two captures differ"; fail=1
  fi
  cp "$WORK/$base.twin.lua" "$WORK/$base.twin.state.lua"
  "$MEND" check --json --host "sim:$WORK/$base.lua" >"$WORK/$base.orig.json" 2>/dev/null
  rc1=$?
  "$MEND" check --json --host "sim:$WORK/$base.twin.state.lua" >"$WORK/$base.twin.json" 2>"$WORK/$base.twin.err"
  rc2=$?
  if [ $rc1 -ne $rc2 ]; then
    echo "FAIL $base: check exits $rc1 on the original, $rc2 on the twin: $(head -3 "$WORK/$base.twin.err")"; fail=1
  fi
  if ! diff <(norm "$WORK/$base.orig.json") <(norm "$WORK/$base.twin.json") >"$WORK/$base.diff"; then
    echo "FAIL $base: check findings differ on the twin:"; head -20 "$WORK/$base.diff"; fail=1
  else
    echo "ok $base"
  fi
done
# Nothing beyond what the fix needs: no other registry, no paths or command lines, no processes
# that hold nothing on the store, no other services than PolicyAgent's own and its dependents
# (a restart on the twin brings them back as on the machine).
twin=$WORK/demo.twin.lua
for t in 'C:\\' 'explorer.exe' 'svchost.exe' 'path =' 'gpsvc' 'faults' 'runtime'; do
  if grep -qF "$t" "$twin"; then echo "FAIL demo: the capture holds '$t'"; fail=1; fi
done
grep -q 'VpnAgent = .*depends_on = { "PolicyAgent" }' "$twin" || { echo "FAIL demo: PolicyAgent's dependent VpnAgent not captured"; fail=1; }
grep -q 'name = "lsass.exe", critical = true' "$twin" || { echo "FAIL demo: lsass.exe not marked critical"; fail=1; }
grep -q 'inferred stale_memory' "$twin" || { echo "FAIL demo: stale_memory not marked inferred"; fail=1; }
grep -q 'driver_state and gpo_cache cannot be told apart' "$WORK/missed_purge.twin.lua" \
  || { echo "FAIL missed_purge: no comment on what cannot be seen"; fail=1; }
# Named policies only.
"$MEND" capture Corp-QM --host "sim:$WORK/demo.lua" -q >"$WORK/one.lua" 2>/dev/null
[ "$(grep -c 'name = "[^"]*", guid' "$WORK/one.lua")" -eq 1 ] || { echo "FAIL capture Corp-QM holds other policies"; fail=1; }
grep -q 'ipsecName"\] = "VPN-Tunnel"' "$WORK/one.lua" && { echo "FAIL capture Corp-QM holds another policy's key"; fail=1; }
[ $fail -eq 0 ] && echo "ok capture holds only what the fix needs"
exit $fail
