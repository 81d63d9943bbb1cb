# What the plan tests share (sourced): arguments, a fresh work folder and state, result lines.
# usage in a test: . "$(dirname "$0")/common.sh" "$@"    (MEND SOURCE_DIR WORK)
set -u
MEND=$1 SRC=$2 WORK=$3
rm -rf "$WORK"; mkdir -p "$WORK"; cd "$WORK" || exit 2
export MEND_DATA_DIR=$SRC MEND_STATE_DIR=$WORK/state
fail=0
bad() { echo "FAIL $*"; fail=1; }
okay() { echo "ok $*"; }

# A fresh machine from a scenario, in the simulator's saved form.
machine() { cp "$1" "$2"; "$MEND" check --host "sim:$2" -q >/dev/null 2>&1; }
