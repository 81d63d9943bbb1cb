#!/bin/bash
# Plans on the simulator: plan then apply equals a direct fix; apply after drift stops before the
# first changed assumption; missing gates and malformed plans are refused with exit 2.
# usage: plan_apply.sh MEND SOURCE_DIR WORK
. "$(dirname "$0")/common.sh" "$@"
outcomes() { jq -S '[.policies[] | {name, before, after, outcome, rung}] | sort_by(.name)' "$1"; }
# The state without the lines that only say when (the clock and what hangs off it).
state() { grep -v -e 'clock =' -e 'ends =' -e 'whenChanged' "$1"; }

# ---- plan then apply == direct fix ----
check_equal() {   # NAME SCENARIO ALLOW [NAMES...]
  local name=$1 scen=$2 allow=$3; shift 3
  machine "$scen" "$name.plan.lua"; cp "$name.plan.lua" "$name.apply.lua"; cp "$name.plan.lua" "$name.direct.lua"
  cp "$name.plan.lua" "$name.before.lua"
  "$MEND" fix "$@" --all-pending --allow "$allow" --plan "$name.json" --host "sim:$name.plan.lua" -q >/dev/null 2>&1
  local prc=$?
  cmp -s "$name.plan.lua" "$name.before.lua" || bad "$name: making the plan changed the machine"
  [ -s "$name.json" ] || { bad "$name: no plan written (exit $prc)"; return; }
  "$MEND" apply "$name.json" --allow "$allow" --host "sim:$name.apply.lua" --json >"$name.apply.json" 2>"$name.apply.err"
  local arc=$?
  "$MEND" fix "$@" --all-pending --allow "$allow" --host "sim:$name.direct.lua" --json >"$name.direct.json" 2>/dev/null
  local drc=$?
  [ $arc -eq $drc ] || bad "$name: apply exits $arc, the direct fix $drc: $(tail -2 "$name.apply.err")"
  diff <(state "$name.apply.lua") <(state "$name.direct.lua") >/dev/null || bad "$name: final state differs from a direct fix"
  diff <(jq -S .actions "$name.apply.json") <(jq -S .actions "$name.direct.json") >/dev/null \
    || bad "$name: report actions differ from a direct fix"
  diff <(outcomes "$name.apply.json") <(outcomes "$name.direct.json") >/dev/null \
    || bad "$name: policy outcomes differ from a direct fix"
  okay "$name: plan then apply equals a direct fix"
}
check_equal demo "$SRC/scenarios/demo.lua" kill,nic
check_equal holder "$SRC/scenarios/tests/holder.lua" kill
check_equal combo_many "$SRC/scenarios/tests/combo_many.lua" all
check_equal store_corrupt "$SRC/scenarios/tests/store_corrupt.lua" registry
check_equal gpo_cache "$SRC/scenarios/tests/gpo_cache.lua" kill
check_equal healthy "$SRC/scenarios/tests/healthy.lua" kill
check_equal reboot_only "$SRC/scenarios/tests/reboot_only.lua" reboot
check_equal unkillable "$SRC/scenarios/tests/unkillable.lua" kill
check_equal agent_hangs "$SRC/scenarios/tests/agent_hangs.lua" all

# The plan names its gates, its host, version, time and command line.
jq -e '.gates == ["kill","nic"] and .host == "sim" and (.mend | length > 0) and (.created | test("Z$"))
       and (.command | test("--plan"))' demo.json >/dev/null || bad "plan header fields"
jq -e '[.actions[] | select(.op == "proc.kill")][0] | .gate == "kill" and .args == [4242]
       and .assumes == "process 4242 vpnagent.exe" and (.rung | length > 0) and (.assumes_hash | test("^fnv1a64:"))' \
   demo.json >/dev/null || bad "proc.kill step fields"
okay "plan fields"

# ---- drift: the machine changes between plan and apply ----
drift() {   # NAME EDIT-SCRIPT(lua, run with --allow all) EXPECTED-STEP EXPECTED-TEXT COUNTER-JQ
  local name=$1 edit=$2 step=$3 text=$4 counters=$5
  machine "$SRC/scenarios/demo.lua" "$name.lua"
  "$MEND" fix --all-pending --allow kill,nic --plan "$name.json" --host "sim:$name.lua" -q >/dev/null 2>&1
  printf '%s\n' "$edit" >"$name.edit.lua"
  "$MEND" --host "sim:$name.lua" --allow all -q run "$name.edit.lua" >/dev/null 2>&1
  cp "$name.lua" "$name.drifted.lua"
  "$MEND" apply "$name.json" --allow kill,nic --host "sim:$name.lua" --json >"$name.out.json" 2>"$name.err"
  local rc=$?
  [ $rc -eq 1 ] || bad "$name: apply after drift exits $rc, not 1"
  grep -q "step $step of 12, " "$name.err" || bad "$name: does not stop at step $step: $(grep -i step "$name.err" | tail -1)"
  grep -qF "$text" "$name.err" || bad "$name: message lacks '$text': $(grep -i assumed "$name.err" | tail -1)"
  grep -qE "Nothing further was done\.|refused before step 1, nothing was done\." "$name.err" \
    || bad "$name: message does not say nothing further was done"
  jq -e "$counters" "$name.out.json" >/dev/null || bad "$name: the report shows other actions: $(jq -c .actions "$name.out.json")"
  okay "$name: apply stops at step $step"
}
# Corp-QM (step 2) is gone before apply: the plan is stale, refused before step 1 (it used to run
# step 1 and stop at step 2; the identity of every policy is now checked first).
drift policy_removed 'assert(ipsec.delete("Corp-QM"))' 2 \
  "the plan was made for policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; no non-system holder; the machine has no policy Corp-QM. The plan is stale: refused before step 1" \
  '.actions.deletes == 0 and .actions.kills == 0 and .actions.gpupdates == 0'
# vpnagent.exe quit on its own: step 6 assumed it held VPN-Tunnel.
drift holder_gone 'assert(proc.kill(4242))' 6 \
  "the machine has policy VPN-Tunnel {8523da67-cce1-5f6a-b17b-4f69c84e57bb} pending_deletion; no non-system holder." \
  '.actions.deletes == 2 and .actions.kills == 0 and .actions.gpupdates == 0 and .actions.service_restarts == 0'
# A new holder on Corp-QM (step 2).
cp "$SRC/scenarios/demo.lua" newholder.src.lua
sed -i 's|^  handles = {|  handles = {\n    { pid = 5555, policy = "Corp-QM" },|; s|^  processes = {|  processes = {\n    { pid = 5555, name = "pangps.exe" },|' newholder.src.lua
machine "$SRC/scenarios/demo.lua" new_holder.lua
"$MEND" fix --all-pending --allow kill,nic --plan new_holder.json --host sim:new_holder.lua -q >/dev/null 2>&1
# Same machine plus the new holder: what the plan assumed of Corp-QM no longer holds.
machine newholder.src.lua new_holder.lua
"$MEND" apply new_holder.json --allow kill,nic --host sim:new_holder.lua --json >new_holder.out.json 2>new_holder.err
rc=$?
[ $rc -eq 1 ] || bad "new_holder: exit $rc"
grep -qF "step 2 of 12, ipsec.delete Corp-QM: the plan assumed policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; no non-system holder; the machine has policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; non-system holders: pangps.exe (pid 5555). Nothing further was done." new_holder.err \
  || bad "new_holder: message: $(grep assumed new_holder.err | tail -1)"
jq -e '.actions.deletes == 1 and .actions.kills == 0' new_holder.out.json >/dev/null || bad "new_holder: actions $(jq -c .actions new_holder.out.json)"
grep -q 'pid = 5555' new_holder.lua || bad "new_holder: the new holder was touched"
okay "new_holder: apply stops at step 2"

# The holder restarted under another pid: step 1 (the first delete) assumed pid 4242 held the
# key, so apply stops there, before the kill would have hit whatever now runs as 4242.
machine "$SRC/scenarios/tests/holder.lua" pk.lua
"$MEND" fix --allow kill --plan pk.json --host sim:pk.lua -q >/dev/null 2>&1
jq -e '[.actions[].op] == ["ipsec.delete", "proc.kill", "ipsec.delete"]' pk.json >/dev/null || bad "holder plan steps"
sed 's/4242/4343/g' "$SRC/scenarios/tests/holder.lua" > pk.src.lua
machine pk.src.lua pk.lua
"$MEND" apply pk.json --allow kill --host sim:pk.lua --json >pk.out.json 2>pk.err
[ $? -eq 1 ] || bad "proc.kill drift: exit code"
grep -qF "step 1 of 3, ipsec.delete Corp-QM: the plan assumed policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; non-system holders: vpnagent.exe (pid 4242); the machine has policy Corp-QM {01c220a1-ffe6-5276-a889-86e4b4b5e1fe} pending_deletion; non-system holders: vpnagent.exe (pid 4343). Nothing further was done." pk.err \
  || bad "proc.kill drift message: $(grep assumed pk.err | tail -1)"
jq -e '.actions.kills == 0 and .actions.deletes == 0' pk.out.json >/dev/null || bad "proc.kill drift: something was done"
grep -q 'pid = 4343' pk.lua || bad "proc.kill drift: the other process is gone"
okay "proc.kill drift"

# ---- refusals ----
machine "$SRC/scenarios/demo.lua" gates.lua; cp gates.lua gates.before.lua
"$MEND" apply demo.json --allow kill --host sim:gates.lua >/dev/null 2>gates.err
rc=$?
[ $rc -eq 2 ] || bad "missing gate: exit $rc, not 2"
grep -qF -- "--allow nic" gates.err || bad "missing gate: message does not name --allow nic: $(cat gates.err)"
cmp -s gates.lua gates.before.lua || bad "missing gate: the machine changed"
"$MEND" apply demo.json --yes --host sim:gates.lua >/dev/null 2>&1
[ $? -eq 2 ] || bad "--yes does not stand in for the plan's --allow"
cmp -s gates.lua gates.before.lua || bad "missing gate (--yes): the machine changed"
okay "apply refuses without the plan's gates"

malformed() {   # NAME CONTENT EXPECTED-TEXT
  printf '%s' "$2" >"$1.json"
  "$MEND" apply "$1.json" --allow all --host sim:gates.lua >/dev/null 2>"$1.err"
  local rc=$?
  [ $rc -eq 2 ] || bad "malformed $1: exit $rc, not 2"
  grep -qF "$3" "$1.err" || bad "malformed $1: message: $(cat "$1.err")"
  cmp -s gates.lua gates.before.lua || bad "malformed $1: the machine changed"
}
malformed notjson '{"mend_plan": 1, "actions": [' "not valid JSON"
malformed empty '' "not valid JSON"
malformed array '[1,2]' "not a JSON object"
malformed noformat '{"mend":"1.0.0","actions":[]}' 'no "mend_plan" field'
jq '.mend = "0.9.0"' demo.json >oldver.json
"$MEND" apply oldver.json --allow all --host sim:gates.lua >/dev/null 2>oldver.err
[ $? -eq 2 ] && grep -qF "was written by mend 0.9.0" oldver.err || bad "other version: $(cat oldver.err)"
jq '.actions[1].assumes = "policy Corp-QM whatever"' demo.json >edited.json
"$MEND" apply edited.json --allow all --host sim:gates.lua >/dev/null 2>edited.err
[ $? -eq 2 ] && grep -qF "edited.json was changed after it was signed" edited.err || bad "edited plan: $(cat edited.err)"
jq 'del(.actions[0].args)' demo.json >noargs.json
"$MEND" apply noargs.json --allow all --host sim:gates.lua >/dev/null 2>noargs.err
[ $? -eq 2 ] && grep -qF "noargs.json was changed after it was signed" noargs.err || bad "no args: $(cat noargs.err)"
"$MEND" apply missing-file.json --host sim:gates.lua >/dev/null 2>&1
[ $? -eq 2 ] || bad "missing plan file: not exit 2"
cmp -s gates.lua gates.before.lua || bad "malformed plans: the machine changed"
okay "malformed plans exit 2"

# ---- the plan for people ----
"$MEND" apply demo.json --dry-run >demo.txt 2>&1
[ $? -eq 0 ] || bad "apply --dry-run exit code"
for t in "12 steps:" "7. proc.kill(4242)   [gate: kill]" "on:      proc.kill vpnagent.exe (pid 4242)" "assumes: process 4242 vpnagent.exe" \
         "gates:   kill,nic (mend apply needs --allow kill,nic)" \
         "by:      mend --allow kill,nic --host sim:demo.plan.lua --plan demo.json --all-pending fix"; do
  grep -qF -- "$t" demo.txt || bad "text rendering lacks '$t'"
done
okay "text rendering"

# ---- a custom script's plan (mend run --plan) ----
cat >custom.lua <<'LUA'
-- Unassign the healthy policy, then delete the stuck one: a custom change.
assert(ipsec.assign("Server-Isolation", false))
local ok, msg = ipsec.delete("Corp-QM")
mend.step{ policy = "Corp-QM", rung = "custom", action = "ipsec.delete", ok = ok ~= nil, message = msg or "deleted" }
LUA
machine "$SRC/scenarios/demo.lua" custom.plan.lua; cp custom.plan.lua custom.apply.lua; cp custom.plan.lua custom.direct.lua
"$MEND" --host sim:custom.plan.lua --plan custom.json -q run custom.lua >/dev/null 2>&1
jq -e '[.actions[] | .op] == ["ipsec.unassign", "ipsec.delete"] and .actions[0].rung == "custom"
       and .command == "mend --host sim:custom.plan.lua --plan custom.json run custom.lua"' custom.json >/dev/null \
  || bad "run --plan: $(jq -c '[.command, [.actions[].op]]' custom.json)"
"$MEND" apply custom.json --host sim:custom.apply.lua -q >/dev/null 2>&1 || bad "run --plan: apply failed"
"$MEND" --host sim:custom.direct.lua -q run custom.lua >/dev/null 2>&1
diff <(state custom.apply.lua) <(state custom.direct.lua) >/dev/null || bad "run --plan: apply differs from running the script"
okay "a custom script's plan"

# Every report this test made (the *.json beside the plans that mend printed with --json).
reports=$(grep -l '"exit_code"' ./*.json 2>/dev/null)
[ -n "$reports" ] || bad "no report to validate"
python3 "$SRC/tests/tools/validate_reports.py" "$SRC/docs/report.schema.json" $reports >schema.out 2>&1 \
  || bad "reports do not match docs/report.schema.json: $(head -5 schema.out)"

exit $fail
