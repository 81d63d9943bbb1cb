#!/bin/sh
# Under Wine, through mend.exe: the spd module on winipsec.dll. First without it in System32
# (unsupported), then with the test stand-in copied into this prefix's system32 (never the
# user's): reads, the service gate's refusal, dry-run changing nothing, the changes and their
# journal records. Runs inside run_in_prefix.sh.
# usage: spd.sh MEND_EXE HELPER_DIR (where winipsec.dll is) SCRIPT_DIR (where spd.lua is)
set -u
mend_exe=$1
helpers=$2
luadir=$3
. "$(dirname "$0")/lib.sh"
wine_work spd
export MEND_SPD_MODEL="$(win "$work/spd.txt")"
script="$(win "$luadir/spd.lua")"
journal="$work/journal.jsonl"
cat >"$work/spd.txt" <<'SPD'
qm {11111111-0000-4000-8000-000000000001} 0 Corp-QM filter action
qm {11111111-0000-4000-8000-000000000004} 0 Branch-QM
transport {22222222-0000-4000-8000-000000000001} {11111111-0000-4000-8000-000000000001} Corp filter list
tunnel {22222222-0000-4000-8000-000000000002} {11111111-0000-4000-8000-000000000001} Corp tunnel
sa 101 {11111111-0000-4000-8000-000000000001}
sa 102 {11111111-0000-4000-8000-000000000001}
sa 401 {11111111-0000-4000-8000-000000000004}
sa 402 {11111111-0000-4000-8000-000000000004}
SPD

run() {  # run PHASE [OPTIONS...]: mend.exe run spd.lua PHASE
  phase=$1; shift
  wine "$mend_exe" run "$@" --journal "$(win "$journal")" "$script" "$phase" >"$work/$phase.out" 2>&1
  rc=$?
  cat "$work/$phase.out"
  return $rc
}

desc="without winipsec.dll in System32 (it lies beside the test programs only)"; check run missing --allow service

actions() { grep -c '"event":"begin"' "$journal" 2>/dev/null; }
acts=$(actions)

cp "$helpers/winipsec.dll" "$WINEPREFIX/drive_c/windows/system32/winipsec.dll" || exit 1
cp "$work/spd.txt" "$work/spd.orig"

desc="reads, and changes refused without the service gate"; check run read
desc="... which changed nothing"; check cmp -s "$work/spd.txt" "$work/spd.orig"
desc="... nor journalled as actions (a refused change is none)"; check test "$(actions)" -eq "$acts"
lines_before=$(wc -l <"$journal")

desc="dry-run: the changes answer true"; check run dry --dry-run --allow service
desc="... and change nothing"; check cmp -s "$work/spd.txt" "$work/spd.orig"
desc="... and journal no action"; check test "$(actions)" -eq "$acts"
lines_before=$(wc -l <"$journal")

desc="with --allow service: 0x32DF, SAs and policy deleted, filters deleted"; check run change --allow service
desc="... the stand-in's SPD lost Branch"; check sh -c "! grep -q Branch-QM '$work/spd.txt'"
desc="... and Corp with its filters (pending, it went with the last one)"; check sh -c "! grep -q Corp '$work/spd.txt'"
tail -n +"$((lines_before + 1))" "$journal" >"$work/changes.jsonl"
j() { jq -e -s "$1" "$work/changes.jsonl" >/dev/null 2>&1; }
desc="journal: begin and end of each change"; check j \
  'map(select(.event == "begin")) | map(.op) == ["spd.delete_qm_policy", "spd.delete_sas", "spd.delete_qm_policy",
    "spd.delete_sas", "spd.delete_filter", "spd.delete_filter", "spd.delete_filter"]'
desc="journal: the referenced delete ended with pending_deletion"; check j \
  'map(select(.event == "end" and .target == "Corp-QM filter action")) | .[0] | .ok == false and .code == "pending_deletion"'
desc="journal: Branch's two changes ended ok"; check j \
  'map(select(.event == "end" and .target == "Branch-QM")) | length == 2 and all(.ok)'
desc="journal: the filter deletes name their filter; the third ended not_found"; check j \
  'map(select(.event == "end" and .op == "spd.delete_filter")) | map(.ok) == [true, true, false] and .[2].code == "not_found"'

wine_finish "$journal"
