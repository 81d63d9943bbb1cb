#!/bin/sh
# Benchmarks for the fix ladder on the simulator (see docs/BENCHMARKS.md):
#   1. 10,000 stuck policies fixed in one `mend batch` run;
#   2. the naive way: one `mend fix NAME` process per policy, sampled over SAMPLE policies and
#      extrapolated to 10,000 (each process loads and saves the whole 10,000-policy machine);
#   3. the ladder run policy by policy in one process (bench/per_policy.lua);
#   4. a pure-Lua workload: the stock lua5.4 interpreter vs mend's sandboxed state.
# Usage: bench/run.sh [BUILD_DIR]   (default: build); needs hyperfine and GNU time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${1:-$src/build}
mend=$build/bin/mend
SAMPLE=${SAMPLE:-200}
# The journal fsyncs before and after every action: where it lives decides the wall time.
# TMPDIR=/dev/shm bench/run.sh measures mend without the disk.
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MEND_DATA_DIR="$src" MEND_STATE_DIR="$work/state"

[ -x "$mend" ] || { echo "no mend at $mend: build first (cmake --build $build)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt install time)" >&2; exit 2; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(uname -sr)"
echo "mend: $("$mend" --version)"

# The scenario, brought into the simulator's saved form once, and the list of its stuck names.
cp "$here/scenarios/stuck_10000.lua" "$work/seed.lua"
echo 'return 0' > "$work/noop.lua"
"$mend" --host "sim:$work/seed.lua" run "$work/noop.lua" 2>/dev/null
grep -o 'name = "Fleet-QM-[0-9]*"' "$work/seed.lua" | sed 's/name = "\(.*\)"/\1/' > "$work/all.txt"
head -n "$SAMPLE" "$work/all.txt" > "$work/sample.txt"
echo "policies stuck: $(wc -l < "$work/all.txt"); sample for the naive way: $SAMPLE"

actions() {  # the report's action counters that are not zero
  tr -d ' \t\n' < "$1" | grep -o '"actions":{[^}]*}' | tail -1 | sed 's/"[a-z_]*":0,\{0,1\}//g'
}

peak() {  # peak RSS in KiB of one command
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'
}

echo
echo "== 1. one mend batch run, 10,000 policies"
# Each run starts from the seed with an empty state folder: the journal is appended to by
# every run, and its size is not what this measures.
fresh="rm -rf $work/state; cp $work/seed.lua"
hyperfine --warmup 1 --runs 5 --export-json "$work/batch.json" \
  --prepare "$fresh $work/s.lua" \
  "$mend --host sim:$work/s.lua -q batch $work/all.txt --json > $work/report.json"
actions "$work/report.json"
rm -rf "$work/state"
tr -d ' \t\n' < "$work/report.json" | grep -o '"outcome":"[a-z_]*"' | sort | uniq -c
rm -rf "$work/state"; cp "$work/seed.lua" "$work/s.lua"
echo "peak RSS: $(peak "$mend" --host "sim:$work/s.lua" -q batch "$work/all.txt" --json) KiB"
echo "CPU time (user+sys), same run: $(rm -rf "$work/state"; cp "$work/seed.lua" "$work/s.lua"; /usr/bin/time -f '%U+%S s' "$mend" --host "sim:$work/s.lua" -q batch "$work/all.txt" --json 2>&1 >/dev/null | tail -1)"

echo
echo "== 2. naive: one mend fix process per policy ($SAMPLE of them, then x $(($(wc -l < "$work/all.txt") / SAMPLE)))"
cat > "$work/naive.sh" <<NAIVE
#!/bin/sh
while IFS= read -r n; do "$mend" --host "sim:$work/n.lua" -q fix "\$n" --json >/dev/null || true; done < "$work/sample.txt"
NAIVE
chmod +x "$work/naive.sh"
hyperfine --runs 1 --export-json "$work/naive.json" --prepare "$fresh $work/n.lua" "$work/naive.sh"

echo
echo "== 3. the ladder policy by policy in one process (10,000 sets of one)"
hyperfine --runs 2 --export-json "$work/perpolicy.json" --prepare "$fresh $work/p.lua" \
  "$mend --host sim:$work/p.lua -q --json run $here/per_policy.lua $work/all.txt > $work/pp.json"
actions "$work/pp.json"

echo
echo "== 4. pure Lua: stock lua5.4 vs mend's sandboxed state"
echo 'return { policies = {} }' > "$work/empty.lua"
hyperfine --warmup 1 --runs 10 --export-json "$work/lua.json" \
  "lua5.4 $here/workload.lua" \
  "$mend --host sim:$work/empty.lua -q run $here/workload.lua"
echo "peak RSS lua5.4: $(peak lua5.4 "$here/workload.lua") KiB; mend: $(peak "$mend" --host "sim:$work/empty.lua" -q run "$here/workload.lua") KiB"

echo
echo "== summary (mean wall time)"
for f in batch naive perpolicy lua; do
  grep -o '"command": *"[^"]*"\|"mean": *[0-9.e-]*' "$work/$f.json" | sed 's/"command": *//; s/"mean": */  mean s: /'
done
