#!/bin/bash
# Plans cannot be edited, forged or replayed stale: each field apply executes is covered by this
# host's HMAC-SHA-256 signature; a re-created policy of the same name stops a stale plan before
# step 1; waits are replayed; a stopped apply lists what it did; scripts cannot reach the key.
# usage: plan_safety.sh MEND SOURCE_DIR WORK
. "$(dirname "$0")/common.sh" "$@"
RECREATE=$SRC/scripts/examples/recreate_policy.lua

# A plan with every kind of field: delete, a create expected to fail, a wait, a create.
machine "$SRC/scenarios/demo.lua" base.lua
"$MEND" --host sim:base.lua --plan wait.json -q run "$RECREATE" Corp-QM >/dev/null 2>&1
jq -e '[.actions[].call] == ["ipsec.delete", "ipsec.create", "sys.sleep", "ipsec.create"]
       and .actions[2].args == [5] and .signature.alg == "hmac-sha256"' wait.json >/dev/null \
  || bad "the recreate plan: $(jq -c '[.actions[] | [.call, .args]]' wait.json)"

# ---- the key ----
KEY=$WORK/state/plan.key
[ -f "$KEY" ] || bad "no plan key made"
[ "$(stat -c %a "$KEY")" = 600 ] || bad "plan key mode $(stat -c %a "$KEY"), not 600"
okay "the plan key is created 0600"

# ---- edits in each field are refused before step 1 ----
refused() {   # NAME FILE EXPECTED-TEXT
  machine "$SRC/scenarios/demo.lua" "$1.lua"; cp "$1.lua" "$1.before.lua"
  "$MEND" apply "$2" --allow all --host "sim:$1.lua" --json >"$1.out.json" 2>"$1.err"
  local rc=$?
  [ $rc -eq 2 ] || bad "$1: exit $rc, not 2"
  grep -qF "$3" "$1.err" || bad "$1: message: $(head -2 "$1.err")"
  cmp -s "$1.lua" "$1.before.lua" || bad "$1: the machine changed"
}
edit() {   # NAME JQ-EDIT
  jq "$2" wait.json >"$1.json"
  refused "$1" "$1.json" "$1.json was changed after it was signed"
}
edit e_call '.actions[0].call = "reg.delete"'
edit e_op '.actions[0].op = "ipsec.unassign" | .actions[0].call = "ipsec.assign"'
edit e_target '.actions[0].target = "Server-Isolation"'
edit e_args '.actions[0].args = ["Server-Isolation"]'
edit e_assumes '.actions[0].assumes = "nothing"'
edit e_expect '.actions[1].expect = "ok"'
edit e_wait '.actions[2].args = [0]'
edit e_nowait 'del(.actions[2])'
okay "a plan edited in call, op, target, args, assumption, expectation or wait is refused"

# Bytes after the signed document are not covered by the signature: refused whole, with the
# offset where they start; whitespace after it (an editor's newline) is not junk.
size=$(stat -c %s wait.json)
{ cat wait.json; printf '{"actions":[{"call":"reg.delete"}]}'; } >e_junk.json
refused e_junk e_junk.json "e_junk.json is not a usable mend plan: 35 bytes follow its JSON document, from byte offset $size"
{ cat wait.json; printf '\0'; } >e_nul.json
refused e_nul e_nul.json "e_nul.json is not a usable mend plan: 1 byte follows its JSON document, from byte offset $size"
{ cat wait.json; printf ' \r\n\t\n'; } >spaced.json
"$MEND" apply spaced.json --dry-run >spaced.txt 2>spaced.err || bad "a plan with whitespace after it: $(cat spaced.err)"
okay "a plan with bytes after its JSON document is refused, whitespace after it is not"
# The key itself: a line end may follow it, anything else is damage.
mkdir -p junkkey; cp "$KEY" junkkey/plan.key; printf 'x' >>junkkey/plan.key; chmod 600 junkkey/plan.key
machine "$SRC/scenarios/demo.lua" junkkey.lua
MEND_STATE_DIR=$WORK/junkkey "$MEND" apply wait.json --host sim:junkkey.lua >/dev/null 2>junkkey.err
[ $? -eq 2 ] && grep -qF "junkkey/plan.key is damaged" junkkey.err || bad "a key with bytes after it: $(cat junkkey.err)"
okay "a plan key with bytes after it is refused as damaged"

# The old scheme: the edit with its plain hash recomputed (FNV-1a of the assumption), and an
# unkeyed SHA-256 of the content where the signature goes: both refused.
fnv=$(lua5.4 -e 'local h = -3750763034362895579
  for c in ("policy Server-Isolation"):gmatch(".") do h = (h ~ c:byte()) * 1099511628211 end
  io.write(string.format("fnv1a64:%016x", h))')
jq --arg h "$fnv" '.actions[0].assumes = "policy Server-Isolation" | .actions[0].assumes_hash = $h' wait.json >e_rehash.json
refused e_rehash e_rehash.json "e_rehash.json was changed after it was signed"
jq '.actions[0].args = ["Server-Isolation"]' wait.json >e_sha.json
sha=$(jq -c 'del(.signature)' e_sha.json | sha256sum | cut -c1-64)
jq --arg m "$sha" '.signature.mac = $m' e_sha.json >e_sha2.json
refused e_sha e_sha2.json "e_sha2.json was changed after it was signed"
jq 'del(.signature)' wait.json >e_unsigned.json
refused e_unsigned e_unsigned.json "e_unsigned.json is not signed"
okay "recomputed plain hashes and unsigned plans are refused"

# ---- another host's key; approval on this host ----
machine "$SRC/scenarios/demo.lua" twin.lua
MEND_STATE_DIR=$WORK/other-host "$MEND" --host sim:twin.lua --plan twin.json -q run "$RECREATE" Corp-QM >/dev/null 2>&1
refused other twin.json "twin.json was signed on another host"
"$MEND" plan approve twin.json </dev/null >approve.txt 2>approve.err
[ $? -eq 2 ] || bad "approve without --yes on no terminal did not refuse"
grep -qF "not approved" approve.err || bad "approve refusal: $(cat approve.err)"
refused other2 twin.json "twin.json was signed on another host"
"$MEND" plan approve twin.json --yes >approve.txt 2>approve.err || bad "approve --yes: $(cat approve.err)"
grep -qF '3. sys.sleep(5)' approve.txt || bad "approve does not show the calls: $(cat approve.txt)"
grep -qF "signed on another host" approve.txt || bad "approve does not say who signed it"
machine "$SRC/scenarios/demo.lua" approved.lua
"$MEND" apply twin.json --host sim:approved.lua -q >/dev/null 2>&1 || bad "the approved plan does not apply"
okay "another host's plan is refused until approved here"

# ---- waits are replayed ----
machine "$SRC/scenarios/demo.lua" w.lua
clock() { grep -o 'clock = [0-9]*' "$1" | grep -o '[0-9]*$'; }
c0=$(clock w.lua)
"$MEND" apply wait.json --host sim:w.lua --json >w.out.json 2>w.err
[ $? -eq 0 ] || bad "the plan with a wait: $(tail -3 w.err)"
c1=$(clock w.lua)
[ $((c1 - c0)) -ge 5 ] || bad "the simulated clock moved $((c1 - c0)) s, less than the 5 s wait"
jq -e '.outcome == "fixed" and .actions.deletes == 1 and .actions.creates == 1' w.out.json >/dev/null \
  || bad "the plan with a wait: $(jq -c '[.outcome, .actions]' w.out.json)"
grep -q 'Corp-QM' w.lua || bad "Corp-QM was not created again"
okay "a plan replays its wait and the create succeeds"

# ---- a stale plan meets a re-created healthy policy of the same name ----
machine "$SRC/scenarios/tests/holder.lua" stale.lua
"$MEND" fix Corp-QM --allow kill --plan stale.json --host sim:stale.lua -q >/dev/null 2>&1
printf '%s\n' 'assert(proc.kill(4242)); assert(ipsec.delete("Corp-QM")); sys.sleep(10)
assert(ipsec.create{name = "Corp-QM", description = "new"})' >recreate.lua
"$MEND" --host sim:stale.lua --allow all -q run recreate.lua >/dev/null 2>&1 || bad "re-creating Corp-QM"
machine stale.lua stale2.lua; cp stale2.lua stale.before.lua
"$MEND" apply stale.json --allow kill --host sim:stale2.lua --json >stale.out.json 2>stale.err
[ $? -eq 1 ] || bad "stale plan: exit not 1"
grep -qF "The plan is stale: refused before step 1" stale.err || bad "stale plan: $(grep -i stale stale.err | head -1)"
grep -qE "the machine has policy Corp-QM \{[^}]*\} active" stale.err || bad "stale plan: does not show the new policy"
jq -e '.actions.deletes == 0 and .actions.kills == 0' stale.out.json >/dev/null || bad "stale plan: something was done"
diff <(grep -v -e 'clock =' stale2.lua) <(grep -v -e 'clock =' stale.before.lua) >/dev/null \
  || bad "stale plan: the machine changed"
okay "a stale plan meeting a re-created healthy policy is refused before step 1"

# ---- a stopped apply shows what it did ----
machine "$SRC/scenarios/tests/holder.lua" stop.lua
"$MEND" fix Corp-QM --allow kill --plan stop.json --host sim:stop.lua -q >/dev/null 2>&1
# The holder is gone before apply: step 1 (expected to fail in_use) now succeeds.
printf 'assert(proc.kill(4242))\n' >k.lua
"$MEND" --host sim:stop.lua --allow all -q run k.lua >/dev/null 2>&1
"$MEND" apply stop.json --allow kill --host sim:stop.lua --json >stop.out.json 2>stop.err
[ $? -eq 1 ] || bad "stopped apply: exit not 1"
jq -e '[.steps[] | select(.action == "apply" and .rung == "apply")][0] as $s
       | $s.done == [] and $s.stopped.step == 1 and ($s.stopped.call == "ipsec.delete(\"Corp-QM\")")
         and ($s.not_run | map(.step)) == [2, 3] and ($s.not_run[0].call == "proc.kill(4242)")' stop.out.json >/dev/null \
  || bad "stopped apply report: $(jq -c '.steps' stop.out.json)"
grep -qF "mend apply stopped at step 1 of 3" stop.err || bad "stopped apply text: $(cat stop.err)"
grep -qF "not run: 2. proc.kill(4242)" stop.err || bad "stopped apply text lacks the steps not run"
# A later stop: the plan's step 2 (the kill) meets a different process under pid 4242.
machine "$SRC/scenarios/tests/holder.lua" stop2.lua
"$MEND" apply stop.json --allow kill --host sim:stop2.lua --json >/dev/null 2>&1 || bad "the holder plan does not apply"
# A run stopped by an error (as by Ctrl-C or a limit: the script ends mid-plan): the wait's call
# raises. Approved here after the edit, so only the error stops it.
jq '.actions[2].args = ["soon"]' wait.json >err.json
"$MEND" plan approve err.json --yes >/dev/null 2>&1 || bad "approving the edited plan"
machine "$SRC/scenarios/demo.lua" stop3.lua
"$MEND" apply err.json --host sim:stop3.lua --json >stop3.out.json 2>stop3.err
[ $? -eq 2 ] || bad "apply stopped by an error: exit not 2"
jq -e '[.steps[] | select(.action == "apply" and .rung == "apply")][0] as $s
       | ($s.done | map(.step)) == [1, 2] and $s.stopped.step == 3 and $s.stopped.ran == false
         and ($s.stopped.call == "sys.sleep(\"soon\")")
         and ($s.not_run | map(.step)) == [4] and ($s.message | test("bad argument"))' stop3.out.json >/dev/null \
  || bad "apply stopped by an error, report: $(jq -c '.steps' stop3.out.json)"
grep -qF 'stopped: 3. sys.sleep("soon") (not run)' stop3.err || bad "apply stopped by an error, text: $(tail -4 stop3.err)"
okay "a stopped apply lists done, stopped and not-run steps"

# ---- scripts cannot reach the key ----
cat >readkey.lua <<'LUA'
local key = mend.args[1]
local rel = key:gsub("/plan%.key$", "/../state/./plan.key")
local got = {}
local function try(name, f, ...) local ok, r = pcall(f, ...); got[#got + 1] = name .. "=" .. tostring(ok and r ~= nil) end
try("open", io.open, key, "rb")
try("open_rel", io.open, rel, "r")
try("open_w", io.open, key, "w")
try("lines", io.lines, key)
try("loadfile", loadfile, key)
try("dofile", dofile, key)
try("remove", os.remove, key)
try("rename", os.rename, key, key .. ".x")
try("rename_onto", os.rename, mend.args[2], key)
try("remove_dir", os.remove, mend.args[3])
try("require", function() package.path = key; return require("anything") end)
io.stderr:write(table.concat(got, " "), "\n")
LUA
cp "$KEY" key.before; echo 'fake' >mine.txt
"$MEND" --host sim:base.lua -q run readkey.lua "$KEY" "$WORK/mine.txt" "$WORK/state" >/dev/null 2>readkey.err
want="open=false open_rel=false open_w=false lines=false loadfile=false dofile=false remove=false rename=false rename_onto=false remove_dir=false require=false"
grep -qF "$want" readkey.err || bad "a script reached the key: $(cat readkey.err)"
cmp -s "$KEY" key.before || bad "the key changed"
grep -q fake mine.txt || bad "the script's own file was moved"
okay "scripts cannot read, load, replace or remove the plan key"

# Every report this test made (the *.json beside the plans that mend printed with --json).
reports=$(grep -l '"exit_code"' ./*.json 2>/dev/null)
[ -n "$reports" ] || bad "no report to validate"
python3 "$SRC/tests/tools/validate_reports.py" "$SRC/docs/report.schema.json" $reports >schema.out 2>&1 \
  || bad "reports do not match docs/report.schema.json: $(head -5 schema.out)"

exit $fail
