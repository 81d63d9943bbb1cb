#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time; fails if one crashes, leaks, hangs or runs out of
# memory, and keeps the input under tests/fuzz/regressions/<target>/ so ctest replays it from then on.
#   tests/fuzz/run_fuzz.sh [BUILD_DIR [SECONDS]]
# BUILD_DIR (default build-fuzz) is configured with clang and -DMEND_FUZZ=ON if it is not yet;
# SECONDS per target defaults to $MEND_FUZZ_SECONDS, else 60.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$ROOT/build-fuzz}
SECONDS_PER_TARGET=${2:-${MEND_FUZZ_SECONDS:-60}}
TARGETS=(regfile scenario batch stateload)

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  CC=${CC:-clang} cmake -S "$ROOT" -B "$BUILD" -DMEND_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo || exit 2
else
  cmake "$BUILD" >/dev/null || exit 2   # an older folder learns of targets added since
fi
if ! grep -q '^MEND_FUZZ:BOOL=ON' "$BUILD/CMakeCache.txt"; then
  echo "$BUILD was not configured with -DMEND_FUZZ=ON (and CC=clang)" >&2
  exit 2
fi
cmake --build "$BUILD" -j2 --target "${TARGETS[@]/#/fuzz_}" || exit 2

status=0
for t in "${TARGETS[@]}"; do
  exe=$BUILD/tests/fuzz/fuzz_$t
  work=$BUILD/fuzz-work/$t
  rm -rf "$work/artifacts"
  mkdir -p "$work/corpus" "$work/artifacts"
  echo "== fuzz_$t for ${SECONDS_PER_TARGET}s"
  # New inputs go to the first (scratch) folder, so the committed seeds stay as written.
  # -timeout=60: a scenario may legitimately use its whole instruction and memory budget,
  # which takes seconds under ASan; a real hang is caught all the same.
  dict=()
  [ -f "$HERE/$t.dict" ] && dict=(-dict="$HERE/$t.dict")
  # A fixed seed (MEND_FUZZ_SEED, default 1) makes a CI run's input sequence repeatable: a
  # finding can be reproduced, and CI does not turn red by the luck of the draw. Set
  # MEND_FUZZ_SEED=0 for libFuzzer's own random seed when hunting longer by hand.
  "$exe" -seed="${MEND_FUZZ_SEED:-1}" -max_total_time="$SECONDS_PER_TARGET" -timeout=60 -rss_limit_mb=2048 -max_len=16384 \
         -artifact_prefix="$work/artifacts/" -print_final_stats=1 "${dict[@]}" \
         "$work/corpus" "$HERE/corpus/$t" >"$work/log" 2>&1
  rc=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units)' "$work/log" | tail -2
  if [ "$rc" -ne 0 ]; then
    status=1
    echo "fuzz_$t FAILED (exit $rc); log: $work/log" >&2
    grep -E -A40 '^==[0-9]+==ERROR|runtime error|^SUMMARY|deadly signal|Test unit written' "$work/log" | head -80 >&2
    mkdir -p "$HERE/regressions/$t"
    for f in "$work"/artifacts/*; do
      [ -f "$f" ] || continue
      cp "$f" "$HERE/regressions/$t/" && echo "kept $HERE/regressions/$t/$(basename "$f")" >&2
    done
  fi
done
exit $status
