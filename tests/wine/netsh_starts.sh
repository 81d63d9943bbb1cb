#!/bin/sh
# Under Wine, issue 10: reads never start netsh, a change starts one, and a release mend.exe
# ignores the test seams. 1,000 policies in the store; the stand-in netsh logs each start.
# Runs inside run_in_prefix.sh (WINEPREFIX set).
# usage: netsh_starts.sh RELEASE_MEND_EXE SEAMS_MEND_EXE HELPER_DIR SOURCE_DIR
set -u
release=$1
seams=$2
helpers=$3
src=$4
. "$(dirname "$0")/lib.sh"
starts() { [ -f "$work/netsh.log" ] && grep -c '^netsh' "$work/netsh.log" || echo 0; }
listed() { wine "$helpers/netsh.exe" ipsec static show policy name="$1" 2>/dev/null | grep -q "Policy Name *: $1"; }

wine_work netsh
wine_policy_agent "$helpers"
sh "$src/bench/wine/make_store.sh" 1000 > "$work/store.reg"
wine reg import "$(win "$work/store.reg")" /reg:64 >/dev/null 2>&1
# From here on the stand-in logs every start (listed() runs it directly, before the log is set).
wine_tools "$helpers"
netsh_log="$(win "$work/netsh.log")"
gp_log="$(win "$work/gpupdate.log")"
mend() { MEND_TEST_NETSH_LOG=$netsh_log MEND_TEST_TOOL_LOG=$gp_log wine "$seams" "$@"; }

# ---- reads start no netsh ----
mend check --json > "$work/check.json" 2> "$work/check.err"
rc=$?
desc="check of 1,000 policies starts no netsh ($(starts))"; check test "$(starts)" -eq 0
desc="... exits 0: nothing known to be stuck"; check test "$rc" -eq 0
desc="... and says it cannot tell the 1,000"; check has "$work/check.json" 'cannottellwhether1000policies'
mend check Bulk-0001 Bulk-0999 --json > "$work/named.json" 2>/dev/null
rc=$?
desc="check of named policies starts no netsh"; check test "$(starts)" -eq 0
desc="... exits 1: their state is unknown, not healthy"; check test "$rc" -eq 1
desc="... before = unknown"; check has "$work/named.json" '"before":"unknown"'
mend fix --all-pending --json > "$work/all.json" 2>/dev/null
desc="fix --all-pending starts no netsh: it deletes nothing of unknown state"; check test "$(starts)" -eq 0
desc="... and lists them in the advice"; check has "$work/all.json" 'Leftalone'
mend fix Bulk-0002 --dry-run --json > "$work/dry.json" 2>/dev/null
desc="fix --dry-run starts no netsh"; check test "$(starts)" -eq 0
mend capture -o "$(win "$work/twin.lua")" 2>/dev/null
desc="capture starts no netsh"; check test "$(starts)" -eq 0
echo 'local l = assert(ipsec.policies()); assert(#l == 1000); for i = 1, #l, 7 do assert(ipsec.get(l[i].name)); assert(ipsec.store_key(l[i].name)) end return 0' > "$work/read.lua"
mend run "$(win "$work/read.lua")" > /dev/null 2>&1
rc=$?
desc="ipsec.policies, get and store_key in a script start no netsh"; check test "$rc" -eq 0 -a "$(starts)" -eq 0

# ---- a change starts one netsh ----
mend fix Bulk-0003 Bulk-0004 --json > "$work/fix.json" 2> "$work/fix.err"
rc=$?
desc="fix of two named policies exits 0"; check test "$rc" -eq 0
desc="... two deletes"; check has "$work/fix.json" '"deletes":2'
desc="... two netsh starts, one per delete ($(starts))"; check test "$(starts)" -eq 2
desc="... both gone from the store"; check sh -c "! listed Bulk-0003 && ! listed Bulk-0004"

# ---- a release mend.exe runs System32's netsh, never the one the environment names ----
rm -f "$work/netsh.log" "$work/gpupdate.log"
MEND_TEST_NETSH_LOG=$netsh_log wine "$release" fix Bulk-0005 --json > "$work/release.json" 2> "$work/release.err"
desc="release mend.exe did not run MEND_NETSH's program"; check test ! -f "$work/netsh.log"
desc="... so the policy is still in the store (Wine's own netsh has no ipsec context)"; check listed Bulk-0005
echo 'local ok, msg = sys.gpupdate{ force = true } print(ok, msg) return 0' > "$work/gp.lua"
MEND_TEST_TOOL_LOG=$gp_log wine "$release" run "$(win "$work/gp.lua")" > "$work/release-gp.out" 2>&1
desc="release mend.exe did not run MEND_GPUPDATE's program"; check test ! -f "$work/gpupdate.log"
# The control: the same commands through the seam-enabled build do run the stand-ins.
mend fix Bulk-0005 --json > /dev/null 2>&1
desc="the seam-enabled build runs the stand-in netsh"; check test "$(starts)" -eq 1
mend run "$(win "$work/gp.lua")" > /dev/null 2>&1
desc="... and the stand-in gpupdate"; check test -f "$work/gpupdate.log"

kill %1 2>/dev/null
wine_finish "$work"/*.err "$work"/*.json "$work/netsh.log" "$work/release-gp.out"
