#!/bin/sh
# Under Wine, the script's time limit with no hook in the way until it is near: the deadline's
# timer (a timer-queue thread that suspends the script's thread to hook it) stops a loop, a loop
# inside a coroutine, a loop that catches errors and one whose xpcall handler never returns, each with the limit's own message, not the
# watchdog's ("where it could not be stopped", 5 s later). The memory limit still ends a pcall
# loop. Runs inside run_in_prefix.sh (WINEPREFIX set). usage: limits.sh MEND_EXE
set -u
mend_exe=$1
. "$(dirname "$0")/lib.sh"
wine_work limits
wine "$mend_exe" sim reset -q || { echo "FAIL sim reset"; exit 1; }

printf 'while true do end\n' > loop.lua
printf 'local co = coroutine.wrap(function() while true do end end)\nco()\n' > co.lua
printf 'while true do pcall(function() while true do end end) end\n' > pcall.lua
printf 'xpcall(function() while true do end end, function() while true do end end)\n' > xpcall.lua
printf 'local t = {}\nwhile true do pcall(function() for i = 1, 1e9 do t[#t + 1] = {i} end end) end\n' > mem.lua
for s in loop co pcall xpcall; do
  start=$(date +%s)
  mend --host sim --timeout 2 run "$s.lua" > "$s.out" 2> "$s.err"; rc=$?
  took=$(( $(date +%s) - start ))
  desc="$s.lua ends with exit 2 (got $rc)"; check test "$rc" = 2
  desc="$s.lua says it exceeded the time limit"; check grep -q "script exceeded the time limit of 2 s" "$s.err"
  desc="$s.lua was stopped by the hook, not the watchdog"; check test -z "$(grep 'could not be stopped' "$s.err")"
  desc="$s.lua ended within 5 s ($took s)"; check test "$took" -le 5
done
mend --host sim --max-memory 20M run mem.lua > mem.out 2> mem.err; rc=$?
desc="a pcall loop past --max-memory ends with exit 2 (got $rc)"; check test "$rc" = 2
desc="... and says it exceeded the memory limit"; check grep -q "script exceeded the memory limit of 20 MiB" mem.err
printf 'local n = 0\nfor i = 1, 3e6 do n = n + i end\nprint(n)\n' > quick.lua
mend --host sim --timeout 60 run quick.lua > quick.out 2> quick.err; rc=$?
desc="a script well inside its limit runs to the end (exit $rc)"; check test "$rc" = 0
desc="... with its answer"; check grep -q "4500001500000" quick.out quick.err
wine_finish loop.err co.err pcall.err xpcall.err mem.err quick.out quick.err
exit $fail
