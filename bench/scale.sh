#!/bin/bash
# Scale benchmarks (docs/BENCHMARKS.md, "Scale"): how mend grows from SMALL to BIG policies and how
# close it stays to the stock interpreter.
#   1. the mixed host (a sixth each of no blocker, gpo_cache, stale_memory, a VPN client holding
#      the key, nic_offload, store_corrupt): fix, check and batch at SMALL and BIG policies, and
#      the scaling exponent per tenfold step;
#   2. plain blockers (bench/scenarios/stuck.lua): `fix --all-pending` against the floor, stock
#      lua5.4 loading the same saved state and writing it back (bench/floor.lua), paired run by
#      run, and the peak memory;
#   3. an empty `mend run` against an empty `lua5.4` chunk.
# Usage: bench/scale.sh [BUILD_DIR]   (default: build). Needs GNU time, python3 and lua5.4.
# RUNS (default 5) counted runs of each command after one warm-up; the commands of a section run
# in turn (A B A B ...) so a noisy neighbour hits them alike. SMALL (10000) and BIG (100000) set
# the sizes; QUICK_RUNS (21) the runs of section 3, each timing LOOP (20) processes in a row
# (GNU time counts in 10 ms steps); SECTIONS (123) which sections run. State and journal live
# under TMPDIR (/tmp).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${1:-$src/build}
mend=$build/bin/mend
RUNS=${RUNS:-5}
QUICK_RUNS=${QUICK_RUNS:-21}
LOOP=${LOOP:-20}
SECTIONS=${SECTIONS:-123}
SMALL=${SMALL:-10000}
BIG=${BIG:-100000}
[ -x "$mend" ] || { echo "no mend at $mend: build first (cmake --build $build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is needed (apt install time)" >&2; exit 2; }
command -v python3 >/dev/null && command -v lua5.4 >/dev/null || { echo "python3 and lua5.4 are needed" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
# A run's state folder (with a 100,000-policy fix's 16,667 .reg backups) is moved aside, not
# deleted, before the next run: ext4 skips inodes deleted in the last few seconds when it
# allocates new ones, so deleting one run's backups made the next run's file creation slower
# (batch at 100,000 spent a third of its system time in recently_deleted). All go at exit.
mkdir -p "$work/old"
fresh_state() { [ -e "$work/state" ] && mv "$work/state" "$work/old/$RANDOM$RANDOM"; return 0; }
export MEND_DATA_DIR="$src" MEND_STATE_DIR="$work/state"

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(nproc) cores, $(uname -sr)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); TMPDIR: ${TMPDIR:-/tmp}"
echo "mend: $("$mend" --version); lua5.4: $(lua5.4 -v)"

# seed NAME SCENARIO N: the scenario at N policies, in the simulator's saved form (a run that
# changes something writes it back: a millisecond's sleep moves the simulated clock), plus the
# list of its stuck names.
echo 'sys.sleep(0.001) return 0' > "$work/touch.lua"
seed() {
  sed "s/^local N = .*/local N = $3/" "$2" > "$work/$1.seed.lua"
  "$mend" --host "sim:$work/$1.seed.lua" -q run "$work/touch.lua" >/dev/null 2>&1
  grep -o 'name = "[A-Za-z]*-QM-[0-9]*"' "$work/$1.seed.lua" | sed 's/name = "\(.*\)"/\1/' > "$work/$1.names"
}

# run_set LABEL... : runs the commands registered as cmd_LABEL (with prep_LABEL before each run,
# untimed) in turn, RUNS times after a warm-up, and keeps "wall user sys maxrss_kib exit" lines
# in $work/LABEL.times.
run_set() {
  local runs=$1; shift
  for l in "$@"; do : > "$work/$l.times"; done
  for ((i = 0; i <= runs; i++)); do
    for l in "$@"; do
      eval "prep_$l"
      /usr/bin/time -f "%e %U %S %M %x" -o "$work/$l.t" bash -c "cmd_$l" >/dev/null 2>&1 || true
      [ "$i" -gt 0 ] && tail -n 1 "$work/$l.t" >> "$work/$l.times"
    done
  done
}

# report LABEL...: median (min-max) of wall, median user+sys and peak RSS per command.
report() {
  python3 - "$work" "$@" <<'PY'
import statistics as st, sys
work, labels = sys.argv[1], sys.argv[2:]
for l in labels:
    rows = [list(map(float, x.split())) for x in open(f"{work}/{l}.times") if x.strip()]
    wall = [r[0] for r in rows]; user = [r[1] for r in rows]; sys_ = [r[2] for r in rows]
    rss = [r[3] / 1024 for r in rows]; codes = sorted({int(r[4]) for r in rows})
    print(f"  {l:<14} wall {st.median(wall):7.3f} s ({min(wall):.3f}-{max(wall):.3f})"
          f"  cpu {st.median(user):.3f} + {st.median(sys_):.3f} s"
          f"  peak {st.median(rss):6.1f} MiB ({min(rss):.1f}-{max(rss):.1f})  runs {len(rows)}  exit {codes}")
PY
}

# exponent SMALL_LABEL BIG_LABEL FIELD(0 wall, 1 user+sys): log10 of the growth per tenfold step.
exponent() {
  python3 - "$work" "$1" "$2" "$3" "$SMALL" "$BIG" <<'PY'
import math, statistics as st, sys
work, a, b, field, small, big = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
def med(l):
    rows = [list(map(float, x.split())) for x in open(f"{work}/{l}.times") if x.strip()]
    return st.median([r[0] if field == 0 else r[1] + r[2] for r in rows])
x, y = med(a), med(b)
what = "wall" if field == 0 else "cpu"
print(f"  {b} / {a} ({what}): {y / x:.2f}x for {big / small:g}x the policies; exponent {math.log(y / x) / math.log(big / small):.2f}")
PY
}

# ratio A B FIELD: the median of A/B pair by pair (run i of A against run i of B), and its range.
ratio() {
  python3 - "$work" "$1" "$2" "$3" <<'PY'
import statistics as st, sys
work, a, b, field = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def col(l):
    rows = [list(map(float, x.split())) for x in open(f"{work}/{l}.times") if x.strip()]
    return [r[0] if field == 0 else r[1] + r[2] for r in rows]
r = [x / y for x, y in zip(col(a), col(b)) if y > 0]
what = "wall" if field == 0 else "cpu"
if r:
    print(f"  {a} / {b} ({what}), paired: median {st.median(r):.2f}x ({min(r):.2f}-{max(r):.2f})")
else:
    print(f"  {a} / {b} ({what}): n/a, {b} took no measurable time (GNU time counts in 10 ms steps)")
PY
}

if [[ $SECTIONS == *1* ]]; then
echo
echo "== 1. the mixed host: fix, check, batch at $SMALL and $BIG policies"
seed mix_s "$here/scenarios/mixed.lua" "$SMALL"
seed mix_b "$here/scenarios/mixed.lua" "$BIG"
for size in s b; do
  eval "prep_fix_$size() { fresh_state; cp '$work/mix_$size.seed.lua' '$work/m.lua'; }"
  eval "cmd_fix_$size() { '$mend' --host 'sim:$work/m.lua' -q fix --all-pending --allow all --json > '$work/fix_$size.json'; }"
  eval "prep_check_$size() { fresh_state; }"
  eval "cmd_check_$size() { '$mend' --host 'sim:$work/mix_$size.seed.lua' -q check --json > '$work/check_$size.json'; }"
  eval "prep_batch_$size() { fresh_state; cp '$work/mix_$size.seed.lua' '$work/m.lua'; }"
  eval "cmd_batch_$size() { '$mend' --host 'sim:$work/m.lua' -q batch '$work/mix_$size.names' --allow all --json > '$work/batch_$size.json'; }"
done
export -f $(compgen -A function | grep -E '^(cmd|prep)_') 2>/dev/null || true
run_set "$RUNS" fix_s check_s batch_s
run_set "$RUNS" fix_b check_b batch_b
report fix_s check_s batch_s fix_b check_b batch_b
for c in fix check batch; do exponent "${c}_s" "${c}_b" 0; exponent "${c}_s" "${c}_b" 1; done
for f in fix_b batch_b check_b; do
  echo "  $f: outcome $(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); import collections; print(r['outcome'], dict(collections.Counter(p['outcome'] for p in r['policies'])), {k:v for k,v in r['actions'].items() if v})" "$work/$f.json")"
done

fi

if [[ $SECTIONS == *2* ]]; then
echo
echo "== 2. plain blockers: fix --all-pending against the stock-Lua floor"
seed plain_s "$here/scenarios/stuck.lua" "$SMALL"
seed plain_b "$here/scenarios/stuck.lua" "$BIG"
for size in s b; do
  eval "prep_plainfix_$size() { fresh_state; cp '$work/plain_$size.seed.lua' '$work/p.lua'; }"
  eval "cmd_plainfix_$size() { '$mend' --host 'sim:$work/p.lua' -q fix --all-pending --json > '$work/plain_$size.json'; }"
  eval "prep_floor_$size() { :; }"
  eval "cmd_floor_$size() { lua5.4 '$here/floor.lua' '$work/plain_$size.seed.lua' '$work/floor.out.lua'; }"
done
export -f $(compgen -A function | grep -E '^(cmd|prep)_') 2>/dev/null || true
run_set "$RUNS" plainfix_s floor_s
run_set "$RUNS" plainfix_b floor_b
report plainfix_s floor_s plainfix_b floor_b
exponent plainfix_s plainfix_b 0; exponent plainfix_s plainfix_b 1
ratio plainfix_s floor_s 0; ratio plainfix_s floor_s 1
ratio plainfix_b floor_b 0; ratio plainfix_b floor_b 1
echo "  plainfix_b: $(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r['outcome'], {k:v for k,v in r['actions'].items() if v})" "$work/plain_b.json")"

fi

if [[ $SECTIONS == *3* ]]; then
echo
echo "== 3. an empty script: mend run against lua5.4 ($LOOP processes in a row per figure; the demo state)"
echo 'return 0' > "$work/empty.lua"
rm -rf "$work/state"; "$mend" -q run "$work/empty.lua" >/dev/null 2>&1   # seeds the demo state once
eval "prep_emptymend() { :; }"
eval "cmd_emptymend() { for i in \$(seq $LOOP); do '$mend' -q run '$work/empty.lua'; done; }"
eval "prep_emptylua() { :; }"
eval "cmd_emptylua() { for i in \$(seq $LOOP); do lua5.4 '$work/empty.lua'; done; }"
export -f prep_emptymend cmd_emptymend prep_emptylua cmd_emptylua
run_set "$QUICK_RUNS" emptymend emptylua
report emptymend emptylua
ratio emptymend emptylua 0; ratio emptymend emptylua 1
# GNU time counts in 10 ms steps, coarse for a 1-2 ms process: perf stat, where there is one,
# times each process on its own (task-clock and elapsed, PERF_REPS processes per figure, in turn).
if command -v perf >/dev/null && perf stat -x, -e task-clock true >/dev/null 2>&1; then
  PERF_REPS=${PERF_REPS:-100}
  pstat() { perf stat -r "$PERF_REPS" -e task-clock "$@" 2>&1 >/dev/null |
            awk '/task-clock/ {c=$1} /elapsed/ {w=$1*1000} END {printf "%s %.4f\n", c, w}'; }
  : > "$work/perf.pairs"
  for ((i = 0; i < QUICK_RUNS; i++)); do
    echo "$(pstat "$mend" -q run "$work/empty.lua") $(pstat lua5.4 "$work/empty.lua")" >> "$work/perf.pairs"
  done
  python3 - "$work/perf.pairs" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
for name, a, b in (("cpu (task-clock)", 0, 2), ("wall", 1, 3)):
    r = sorted(x[a] / x[b] for x in rows)
    print(f"  per process, perf stat, {name}: mend {statistics.median(x[a] for x in rows):.3f} ms, "
          f"lua5.4 {statistics.median(x[b] for x in rows):.3f} ms; paired median {statistics.median(r):.2f}x "
          f"({r[0]:.2f}-{r[-1]:.2f}), {len(rows)} pairs")
PY
fi
fi

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
