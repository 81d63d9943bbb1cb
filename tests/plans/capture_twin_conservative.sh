#!/bin/bash
# A twin never promises more than the machine gives: for every bundled scenario whose causes a
# capture can know, and every set of allowed actions, `mend fix --all-pending` on the capture ends no policy better than the same
# fix on the machine itself (fixed > reboot_required > blocked/failed). Every report is checked
# against docs/report.schema.json.
# usage: capture_twin_conservative.sh MEND SOURCE_DIR WORK
set -u
MEND=$1 SRC=$2 WORK=$3
rm -rf "$WORK"; mkdir -p "$WORK/reports"
export MEND_DATA_DIR=$SRC MEND_STATE_DIR=$WORK/state
fail=0 n=0
rank='def r: if . == "fixed" or . == "healthy" then 3 elif . == "reboot_required" then 2 else 1 end;'
# Left out, as docs/plans.md says: what a capture cannot know - driver_state (a reboot only:
# driver_state, reboot_only, combo_many's and all_blockers' QM-Driver), and the simulator's faults, which stand for
# the machine's behaviour, not its state (agent_hangs, access_denied, unkillable, crash_midway); many_policies
# is left to the benchmarks (its registry rung on thousands of twins' policies is slow).
skip=" driver_state reboot_only combo_many all_blockers agent_hangs access_denied unkillable crash_midway many_policies "
for scen in "$SRC"/scenarios/*.lua "$SRC"/scenarios/tests/*.lua; do
  base=$(basename "$scen" .lua)
  case "$skip" in *" $base "*) continue ;; esac
  cp "$scen" "$WORK/$base.lua"
  "$MEND" sim init "$scen" --host "sim:$WORK/$base.lua" -q >/dev/null 2>&1
  "$MEND" capture -o "$WORK/$base.twin.lua" --host "sim:$WORK/$base.lua" -q 2>/dev/null \
    || { echo "FAIL $base: capture failed"; fail=1; continue; }
  for allow in none kill,nic kill,nic,registry; do
    for side in machine twin; do
      src=$WORK/$base.lua; [ $side = twin ] && src=$WORK/$base.twin.lua
      cp "$src" "$WORK/run.lua"
      rm -rf "$WORK/state"
      args=(fix --all-pending --yes --json); [ $allow != none ] && args+=(--allow "$allow")
      "$MEND" --host "sim:$WORK/run.lua" "${args[@]}" >"$WORK/$side.json" 2>/dev/null
      n=$((n + 1)); cp "$WORK/$side.json" "$WORK/reports/$n.json"
    done
    better=$(jq -n -r --slurpfile m "$WORK/machine.json" --slurpfile t "$WORK/twin.json" "$rank"'
      ($m[0].policies | map({key: .name, value: .outcome}) | from_entries) as $mo
      | [$t[0].policies[] | select($mo[.name] != null and ((.outcome | r) > ($mo[.name] | r)))
         | "\(.name): twin \(.outcome), machine \($mo[.name])"] | join("; ")')
    if [ -n "$better" ]; then
      echo "FAIL $base --allow $allow: the twin promises more: $better"; fail=1
    fi
  done
  echo "ok $base"
done
python3 "$SRC/tests/tools/validate_reports.py" "$SRC/docs/report.schema.json" "$WORK"/reports/*.json || fail=1
exit $fail
