#!/bin/sh
# Under Wine, the simulator's state lock (FILE.lock beside the state file): a run leaves no lock
# file; two runs in a row both work; a run waiting on the lock says who holds it and runs once
# the holder ends; runs started together still run one at a time (no update lost while the lock
# file comes and goes). Runs inside run_in_prefix.sh (WINEPREFIX set). usage: lock_file.sh MEND_EXE
set -u
mend_exe=$1
fail=0
. "$(dirname "$0")/lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/mend-lock.XXXXXX")
export MEND_STATE_DIR="$(win "$work/state")"
mend() { wine "$mend_exe" --host sim "$@"; }
lock="$work/state/sim-state.lua.lock"

wine "$mend_exe" sim reset -q || { echo "FAIL sim reset"; exit 1; }
desc="sim reset leaves no lock file"; check test ! -e "$lock"

mend check > "$work/check1.out" 2>&1; rc1=$?
desc="a check leaves no lock file"; check test ! -e "$lock"
mend check > "$work/check2.out" 2>&1; rc2=$?
desc="a second check in a row works as the first (exit $rc1, $rc2)"; check test "$rc1" = 1 -a "$rc2" = 1
desc="the second check read the machine"; check grep -q "VPN-Tunnel" "$work/check2.out"
desc="still no lock file"; check test ! -e "$lock"

# A holder: a mend shell keeps the lock while its input is open.
mkfifo "$work/in"
mend shell < "$work/in" > "$work/shell.out" 2>&1 &
shell=$!
exec 3> "$work/in"
for _ in $(seq 200); do [ -s "$lock" ] && break; sleep 0.1; done
desc="the shell holds the lock file with its owner text"; check grep -q "mend shell, since " "$lock"
# Without the shell's input (dash keeps a copy of a fd a function call closes): it must end.
(exec 3>&-; mend check > "$work/wait.out" 2> "$work/wait.err") &
waiter=$!
for _ in $(seq 200); do grep -q "waiting up to" "$work/wait.err" 2>/dev/null && break; sleep 0.1; done
desc="the waiting run says who holds the lock"; check grep -q "waiting up to .* (pid [0-9]*, mend shell, since " "$work/wait.err"
exec 3>&-
wait "$shell"
wait "$waiter"; rcw=$?
desc="the waiting check ran once the shell ended (exit $rcw)"; check test "$rcw" = 1
[ "$rcw" = 1 ] || tr -d '\r' < "$work/wait.err"
desc="the waiting check read the machine"; check grep -q "VPN-Tunnel" "$work/wait.out"
desc="no lock file after the shell and the waiting check"; check test ! -e "$lock"

# Four runs at once, each adding one to a value: with one holder at a time none is lost.
cat > "$work/add.lua" <<'LUA'
local k = "HKLM\\SOFTWARE\\MendLockTest"
local n = reg.get(k, "N") or 0
assert(reg.set(k, "N", n + 1))
return 0
LUA
cat > "$work/get.lua" <<'LUA'
print("N=" .. tostring(reg.get("HKLM\\SOFTWARE\\MendLockTest", "N")))
return 0
LUA
pids=""
for i in 1 2 3 4; do
  mend run --allow registry "$(win "$work/add.lua")" > "$work/add$i.out" 2>&1 &
  pids="$pids $!"
done
bad=0
for p in $pids; do wait "$p" || bad=1; done
desc="four runs started together all succeeded"; check test "$bad" = 0
n=$(mend run "$(win "$work/get.lua")" 2>/dev/null | tr -d '\r')
desc="no update was lost ($n)"; check test "$n" = "N=4"
desc="no lock file after them"; check test ! -e "$lock"

rm -rf "$work"
exit $fail
