#!/bin/bash
# A named pipe, a device or a folder where mend reads a file it is given (the script, dofile,
# loadfile, require, io.open and io.lines targets, a --host sim: scenario, a batch list, a .reg
# file, a plan, an evidence bundle, test expectations, the journal) is refused at once with a sentence that
# says what it is; nothing blocks. Each command runs under timeout, so a regression fails here
# (exit 124) instead of hanging the suite. A batch list on standard input ("-") still works.
# usage: special_files.sh MEND SOURCE_DIR WORK
. "$2/tests/plans/common.sh" "$@"   # MEND SRC WORK, a fresh WORK as the folder, bad()
mkfifo fifo || exit 2
mkdir -p ev mods folder
mkfifo ev/manifest.json mods/m.lua
cp "$SRC/scenarios/demo.lua" machine.lua
cat > s.lua <<'LUA'
local what = arg and arg[1]
local function show(a, b) io.stderr:write(tostring(a), " ", tostring(b), "\n") end
if what == "dofile" then dofile("fifo")
elseif what == "loadfile" then show(loadfile("fifo")); return 1
elseif what == "require" then package.path = "mods/?.lua"; require "m"
elseif what == "searchpath" then show(package.searchpath("m", "mods/?.lua")); return 1
elseif what == "open" then show(io.open("fifo")); return 1
elseif what == "open-device" then show(io.open("/dev/zero", "rb")); return 1
elseif what == "write" then show(io.open("fifo", "w")); return 1
elseif what == "lines" then for _ in io.lines("fifo") do end
elseif what == "reg" then show(reg.import("fifo")); return 1
end
LUA

# expect WHAT EXIT TEXT -- MEND-ARGS...: mend ends within 10 s with EXIT and says TEXT.
expect() {
  local what=$1 want=$2 text=$3; shift 4
  timeout 10 "$MEND" "$@" </dev/null >out.txt 2>err.txt
  local rc=$?
  if [ $rc -eq 124 ]; then bad "$what: blocked (killed after 10 s)"; return; fi
  [ $rc -eq "$want" ] || bad "$what: exit $rc, want $want: $(head -3 err.txt)"
  cat out.txt >>err.txt   # mend test says FAIL on standard output
  grep -qF -- "$text" err.txt || bad "$what: says $(head -3 err.txt), not: $text"
}
PIPE="fifo: it is a named pipe, not a file"
expect "run FIFO" 2 "$PIPE" -- --host sim:machine.lua run fifo
expect "run DEVICE" 2 "/dev/zero: it is a character device, not a file" -- --host sim:machine.lua run /dev/zero
expect "run FOLDER" 2 "folder: it is a folder, not a file" -- --host sim:machine.lua run folder
expect "dofile FIFO" 2 "$PIPE" -- --host sim:machine.lua run s.lua dofile
expect "loadfile FIFO" 1 "nil cannot read $PIPE" -- --host sim:machine.lua run s.lua loadfile
expect "require FIFO" 2 "mods/m.lua: it is a named pipe, not a file" -- --host sim:machine.lua run s.lua require
expect "package.searchpath FIFO" 1 "mods/m.lua nil" -- --host sim:machine.lua run s.lua searchpath
expect "io.open FIFO" 1 "nil cannot read $PIPE" -- --host sim:machine.lua run s.lua open
expect "io.open DEVICE" 1 "nil cannot read /dev/zero: it is a character device, not a file" -- --host sim:machine.lua run s.lua open-device
expect "io.open FIFO for writing" 1 "nil cannot write $PIPE" -- --host sim:machine.lua run s.lua write
expect "io.lines FIFO" 2 "$PIPE" -- --host sim:machine.lua run s.lua lines
expect "reg.import FIFO" 1 "nil cannot read $PIPE" -- --host sim:machine.lua run --allow registry s.lua reg
expect "--host sim:FIFO" 2 "$PIPE" -- check --host sim:fifo
expect "sim show --host sim:FIFO" 2 "$PIPE" -- sim show --host sim:fifo
expect "sim reset --host sim:FIFO" 2 "$PIPE" -- sim reset --host sim:fifo
expect "sim init FIFO" 2 "$PIPE" -- sim init fifo --host sim:other.lua
expect "batch FIFO" 2 "$PIPE" -- batch fifo --host sim:machine.lua
expect "apply FIFO" 2 "$PIPE" -- apply fifo --host sim:machine.lua
expect "plan approve FIFO" 2 "$PIPE" -- plan approve fifo --yes
expect "capture --from-evidence (manifest a FIFO)" 2 "manifest.json: it is a named pipe, not a file" -- capture --from-evidence ev -o twin.lua
printf 'return { scenarios = { fifo = { exit = 0 }, machine = { exit = 0 } } }\n' >s.expect.lua
expect "test --scenario FIFO" 1 "$PIPE" -- test s.lua --scenario fifo
expect "test --expect FIFO" 2 "$PIPE" -- test s.lua --scenario machine.lua --expect fifo
expect "--journal FIFO" 2 "cannot use fifo as the journal: it is a named pipe, not a file" -- fix --host sim:machine.lua --journal fifo
[ -e other.lua ] && bad "sim init FIFO made a state file"

# "-" still means standard input for a batch list.
echo Corp-QM | timeout 10 "$MEND" batch - --host sim:machine.lua -q >/dev/null 2>err.txt
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || bad "batch - from standard input: exit $rc: $(head -3 err.txt)"

[ $fail -eq 0 ] && echo "ok: named pipes, devices and folders are refused without blocking"
exit $fail
