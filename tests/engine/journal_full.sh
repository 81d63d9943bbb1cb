#!/bin/bash
# A journal that fills up in the middle of a run: mend stops changing the machine at once, and
# says why, naming the journal and the system's reason; it never reports the policy as needing
# a reboot. The file-size limit (ulimit -f) plays the full disk.
# usage: journal_full.sh MEND SOURCE_DIR WORK
set -u
MEND=$1 SRC=$2 WORK=$3
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK" || exit 2
export MEND_DATA_DIR=$SRC MEND_STATE_DIR=$WORK/state
fail=0
bad() { echo "FAIL $*"; fail=1; }
printf 'return { policies = { { name = "A-QM", state = "pending_deletion" }, { name = "B-QM", state = "pending_deletion" } } }\n' > s.lua
cp s.lua before.lua
# 64 KiB allowed; the journal already holds all but room for the run_start line (~100 bytes).
head -c $((65536 - 180)) /dev/zero | tr '\0' '#' > j.jsonl
printf '\n' >> j.jsonl
(trap '' XFSZ; ulimit -f 64; exec "$MEND" fix A-QM B-QM --host sim:s.lua --journal "$WORK/j.jsonl" --json) \
  > out.json 2> err.txt
rc=$?
[ "$rc" -eq 2 ] || bad "exit $rc, want 2"
grep -q "cannot write the journal $WORK/j.jsonl: File too large" err.txt out.json || bad "the reason names the journal and the system's words"
grep -q "only a reboot" err.txt out.json && bad "a full journal is reported as needing a reboot"
grep -q '"deletes":[1-9]' out.json && bad "an action ran without its record"
grep -q '"A-QM"' s.lua && grep -q '"B-QM"' s.lua || bad "a policy was deleted although nothing was on record"
cat err.txt | head -5
exit $fail
