#!/bin/sh
# Benchmarks for the fix ladder on the simulator (see docs/BENCHMARKS.md):
#   1. 10,000 stuck policies fixed in one `mend batch` run;
#   2. the naive way: one `mend fix NAME` process per policy, sampled over SAMPLE policies and
#      extrapolated to 10,000 (each process loads and saves the whole 10,000-policy machine);
#   3. the ladder run policy by policy in one process (bench/per_policy.lua);
#   4. a pure-Lua workload: the stock lua5.4 interpreter vs mend's sandboxed state.
# Usage: bench/run.sh [BUILD_DIR]   (default: build); needs hyperfine, GNU time and python3.
# The machine is shared: every figure is the median of several runs (RUNS, default 9; the naive
# loop NAIVE_RUNS, default 3), and peak RSS the median of RSS_RUNS (default 5).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${1:-$src/build}
mend=$build/bin/mend
SAMPLE=${SAMPLE:-100}
RUNS=${RUNS:-9}
NAIVE_RUNS=${NAIVE_RUNS:-3}
RSS_RUNS=${RSS_RUNS:-5}
# The journal and the machine state live under TMPDIR (default /tmp, on disk). On the simulator
# the journal is written through at once and fsynced when it closes (a real machine fsyncs each
# record); TMPDIR=/dev/shm bench/run.sh measures mend without the disk.
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MEND_DATA_DIR="$src" MEND_STATE_DIR="$work/state"

[ -x "$mend" ] || { echo "no mend at $mend: build first (cmake --build $build)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt install hyperfine)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt install time)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 is needed to read hyperfine's results" >&2; exit 2; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); TMPDIR: ${TMPDIR:-/tmp} ($(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}'))"
echo "mend: $("$mend" --version)"

# The scenario, brought into the simulator's saved form once, and the list of its stuck names.
cp "$here/scenarios/stuck_10000.lua" "$work/seed.lua"
# (a run that changes something writes the state back: a millisecond's sleep moves the clock)
echo 'sys.sleep(0.001) return 0' > "$work/touch.lua"
"$mend" --host "sim:$work/seed.lua" run "$work/touch.lua" 2>/dev/null
grep -o 'name = "Fleet-QM-[0-9]*"' "$work/seed.lua" | sed 's/name = "\(.*\)"/\1/' > "$work/all.txt"
head -n "$SAMPLE" "$work/all.txt" > "$work/sample.txt"
echo "policies stuck: $(wc -l < "$work/all.txt"); sample for the naive way: $SAMPLE"

actions() {  # the report's action counters that are not zero
  tr -d ' \t\n' < "$1" | grep -o '"actions":{[^}]*}' | tail -1 | sed 's/"[a-z_]*":0,\{0,1\}//g'
}

peak() {  # peak RSS in KiB of one command
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'
}

median() {  # the median of the numbers on stdin
  sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

peak_fresh() {  # median peak RSS (KiB) of RSS_RUNS runs of a command on a fresh copy of the seed
  state=$1; shift
  i=0
  while [ "$i" -lt "$RSS_RUNS" ]; do
    rm -rf "$work/state"; cp "$work/seed.lua" "$state"
    peak "$@"
    i=$((i + 1))
  done | median
}

stats() {  # hyperfine JSON -> median, min, max wall and median user/sys CPU per command
  python3 - "$1" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'  median {r["median"]:.3f} s  (min {r["min"]:.3f}, max {r["max"]:.3f}, {len(r["times"])} runs)'
          f'  user {statistics.median(r["user"] if isinstance(r["user"], list) else [r["user"]]):.3f} s'
          f'  sys {statistics.median(r["system"] if isinstance(r["system"], list) else [r["system"]]):.3f} s'
          f'  <- {r["command"][:70]}')
PY
}

echo
echo "== 1. one mend batch run, 10,000 policies"
# Each run starts from the seed with an empty state folder: the journal is appended to by
# every run, and its size is not what this measures.
fresh="rm -rf $work/state; cp $work/seed.lua"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/batch.json" \
  --prepare "$fresh $work/s.lua" \
  "$mend --host sim:$work/s.lua -q batch $work/all.txt --json > $work/report.json"
actions "$work/report.json"
rm -rf "$work/state"
tr -d ' \t\n' < "$work/report.json" | grep -o '"outcome":"[a-z_]*"' | sort | uniq -c
stats "$work/batch.json"
echo "peak RSS (median of $RSS_RUNS): $(peak_fresh "$work/s.lua" "$mend" --host "sim:$work/s.lua" -q batch "$work/all.txt" --json) KiB"

echo
echo "== 2. naive: one mend fix process per policy ($SAMPLE of them, then x $(($(wc -l < "$work/all.txt") / SAMPLE)))"
cat > "$work/naive.sh" <<NAIVE
#!/bin/sh
while IFS= read -r n; do "$mend" --host "sim:$work/n.lua" -q fix "\$n" --json >/dev/null || true; done < "$work/sample.txt"
NAIVE
chmod +x "$work/naive.sh"
hyperfine --runs "$NAIVE_RUNS" --export-json "$work/naive.json" --prepare "$fresh $work/n.lua" "$work/naive.sh"
stats "$work/naive.json"
echo "peak RSS of one mend fix process (median of $RSS_RUNS): $(peak_fresh "$work/n.lua" "$mend" --host "sim:$work/n.lua" -q fix "$(head -n 1 "$work/sample.txt")" --json) KiB"

echo
echo "== 3. the ladder policy by policy in one process (10,000 sets of one)"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/perpolicy.json" --prepare "$fresh $work/p.lua" \
  "$mend --host sim:$work/p.lua -q --json run $here/per_policy.lua $work/all.txt > $work/pp.json"
actions "$work/pp.json"
stats "$work/perpolicy.json"
echo "peak RSS (median of $RSS_RUNS): $(peak_fresh "$work/p.lua" "$mend" --host "sim:$work/p.lua" -q --json run "$here/per_policy.lua" "$work/all.txt") KiB"

echo
echo "== 4. pure Lua: stock lua5.4 vs mend's sandboxed state"
echo 'return { policies = {} }' > "$work/empty.lua"
hyperfine --warmup 1 --runs "$RUNS" --export-json "$work/lua.json" \
  "lua5.4 $here/workload.lua" \
  "$mend --host sim:$work/empty.lua -q run $here/workload.lua"
stats "$work/lua.json"
echo "peak RSS lua5.4: $(peak lua5.4 "$here/workload.lua") KiB; mend: $(peak "$mend" --host "sim:$work/empty.lua" -q run "$here/workload.lua") KiB"

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
