#!/bin/bash
# kill -9 at random moments of a run that writes many .reg backups and saves the state: no
# temp file is ever left beside a backup or the state, and every backup left is a whole one.
# usage: kill_leaves_no_temp.sh MEND SOURCE_DIR WORK
set -u
MEND=$1 SRC=$2 WORK=$3
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK" || exit 2
export MEND_DATA_DIR=$SRC MEND_STATE_DIR=$WORK/state
fail=0
cat > scen.lua <<'LUA'
local reg = {}
for i = 1, 400 do reg["HKLM\\SOFTWARE\\Contoso\\K" .. i] = { v = string.rep("x", 2000) } end
return { registry = reg }
LUA
cat > churn.lua <<'LUA'
for round = 1, 50 do
  for i = 1, 400 do
    local k = "HKLM\\SOFTWARE\\Contoso\\K" .. i
    if reg.exists(k) then assert(reg.delete(k)) else assert(reg.set(k, "v", string.rep("y", 2000))) end
  end
end
LUA
for trial in $(seq 1 20); do
  cp scen.lua "state$trial.lua"
  "$MEND" run --allow registry --host "sim:state$trial.lua" -q churn.lua >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(( (RANDOM % 40) + 5 ))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
done
left=$(find "$WORK" -name '*.tmp*' | head -5)
[ -z "$left" ] || { echo "FAIL temp files left after kill -9: $left"; fail=1; }
n=$(find "$WORK/state" -name '*.reg' | wc -l)
[ "$n" -gt 0 ] || { echo "FAIL no backup was written before the kills: the test proves nothing"; fail=1; }
bad=0
while IFS= read -r f; do
  # a whole backup is UTF-16LE: BOM, header, and an even byte count ending in CR LF
  head -c 2 "$f" | od -An -tx1 | grep -q 'ff fe' || bad=$((bad + 1))
  [ $(( $(stat -c %s "$f") % 2 )) -eq 0 ] || bad=$((bad + 1))
done < <(find "$WORK/state" -name '*.reg')
[ "$bad" -eq 0 ] || { echo "FAIL $bad backups are not whole .reg files"; fail=1; }
echo "$n backups written across 20 killed runs; temp files left: ${left:-none}"
exit $fail
