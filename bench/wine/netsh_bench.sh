#!/bin/sh
# Issue 10's Windows speed under Wine: `mend check` and `mend fix` against stores of N policies
# (default 10 100 1000), with the stand-in netsh counting its starts (so mend-seams.exe, the
# seam-enabled build the Wine tests use). Prints a Markdown table: median, min and max wall time
# of RUNS runs (default 5) and the netsh starts per run. Every run includes starting Wine's process.
# MEND_BEFORE=old/mend.exe adds that build's rows (a build before issue 10 honours MEND_NETSH;
# it runs where it is, beside its scripts\),
# BEFORE_RUNS (default 1) runs each: it starts netsh for every policy it reads.
# usage: bench/wine/netsh_bench.sh [BUILD_DIR] [N...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build-win}" && pwd)
[ $# -gt 0 ] && shift
sizes=${*:-10 100 1000}
mend_exe=$build/mend-seams.exe
helpers=$build/tests/wine
[ -f "$mend_exe" ] && [ -f "$helpers/netsh.exe" ] || {
  echo "netsh_bench.sh: build mend-seams.exe and the Wine test helpers first (cmake --build $build)" >&2; exit 2; }
RUNS=${RUNS:-5}

. "$here/prefix.sh"
export MEND_STATE_DIR="$(win "$WINEPREFIX/state")"
export MEND_NETSH="$(win "$helpers/netsh.exe")"
export MEND_GPUPDATE="$(win "$helpers/fake_tool.exe")"
log=$WINEPREFIX/netsh.log
export MEND_TEST_NETSH_LOG="$(win "$log")"

store() {  # store N: the store holds exactly N policies Bulk-0000..
  wine reg delete 'HKLM\SOFTWARE\Policies\Microsoft\Windows\IPSec\Policy\Local' /f /reg:64 >/dev/null 2>&1 || true
  sh "$here/make_store.sh" "$1" > "$WINEPREFIX/store.reg"
  wine reg import "$(win "$WINEPREFIX/store.reg")" /reg:64 >/dev/null 2>&1
}
now() { date +%s.%N; }
# measure LABEL N SETUP COMMAND...: RUNS timed runs of COMMAND (SETUP before each, untimed);
# prints one table row with the netsh starts of the last run.
measure() {
  label=$1 n=$2 setup=$3
  shift 3
  run_exe=$mend_exe
  case $label in before*) run_exe=$MEND_BEFORE ;; esac
  runs=$RUNS
  case $label in before*) runs=${BEFORE_RUNS:-1} ;; esac
  times=""
  for _ in $(seq "$runs"); do
    $setup
    rm -f "$log"
    t0=$(now)
    wine "$run_exe" "$@" >/dev/null 2>&1 || true
    t1=$(now)
    times="$times $(echo "$t1 - $t0" | bc)"
  done
  starts=$( [ -f "$log" ] && grep -c '^netsh' "$log" || echo 0)
  echo "$times" | tr ' ' '\n' | grep . | sort -n | awk -v l="$label" -v n="$n" -v s="$starts" '
    { t[NR] = $1 } END { printf "| %s | %d | %.2f | %.2f | %.2f | %d |\n", l, n, t[int((NR + 1) / 2)], t[1], t[NR], s }'
}
nothing() { :; }
echo
echo "| Command | Policies | Median [s] | Min [s] | Max [s] | netsh starts |"
echo "|:---|---:|---:|---:|---:|---:|"
for n in $sizes; do
  store "$n"
  refill() { store "$n"; }
  measure "mend check" "$n" nothing check
  measure "mend check Bulk-0001" "$n" nothing check Bulk-0001
  measure "mend fix --all-pending" "$n" nothing fix --all-pending
  measure "mend fix Bulk-0001 Bulk-0002" "$n" refill fix Bulk-0001 Bulk-0002
  if [ -n "${MEND_BEFORE:-}" ]; then
    store "$n"
    measure "before: mend check" "$n" nothing check
    measure "before: mend fix Bulk-0001 Bulk-0002" "$n" refill fix Bulk-0001 Bulk-0002
  fi
done
