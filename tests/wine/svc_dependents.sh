#!/bin/sh
# Under Wine, real services: `mend.exe run` restarts a test service and the services that depend
# on it (directly and through another) run again afterwards; a plain stop is refused while they
# run; the service gate; `mend.exe check` flags a stopped automatic-start dependent of PolicyAgent.
# Runs inside run_in_prefix.sh (WINEPREFIX set). usage: svc_dependents.sh MEND_EXE HELPER_DIR
set -u
mend_exe=$1
helpers=$2
. "$(dirname "$0")/lib.sh"
wine_work svcdeps
wine_tools "$helpers"
log="$(win "$work/svc.log")"

wine_keeper "$helpers"
# MendBase <- MendDep <- MendTray; Wine's SCM starts no dependencies, so they start in order.
wine "$helpers/svc_install.exe" MendBase normal "$log" start || { echo "cannot install MendBase"; exit 1; }
wine "$helpers/svc_install.exe" MendDep normal "$log" start dep:MendBase || { echo "cannot install MendDep"; exit 1; }
wine "$helpers/svc_install.exe" MendTray normal "$log" start dep:MendDep || { echo "cannot install MendTray"; exit 1; }

cat > "$work/states.lua" <<'LUA'
local out = {}
for _, n in ipairs({ "MendBase", "MendDep", "MendTray" }) do out[#out + 1] = n .. "=" .. svc.query(n).state end
print(table.concat(out, " "))
return 0
LUA
states() { mend run "$(win "$work/states.lua")" 2>/dev/null | tr -d '\r'; }
all_running="MendBase=running MendDep=running MendTray=running"
desc="all three run before"; check test "$(states)" = "$all_running"

cat > "$work/deps.lua" <<'LUA'
print(table.concat(assert(svc.dependents("MendBase")), ","))
return 0
LUA
desc="svc.dependents lists them in stop order"
check test "$(mend run "$(win "$work/deps.lua")" 2>/dev/null | tr -d '\r')" = "MendTray,MendDep"

cat > "$work/stop.lua" <<'LUA'
local ok, msg, code = svc.stop("MendBase")
print(tostring(ok), tostring(code), tostring(msg))
return 0
LUA
mend run --allow service "$(win "$work/stop.lua")" > "$work/stop.out" 2>&1
desc="a plain stop is refused in_use while dependents run"; check has "$work/stop.out" 'nilin_use'
desc="... with Windows' number"; check has "$work/stop.out" '(0x41B)'
desc="... and nothing stopped"; check test "$(states)" = "$all_running"

cat > "$work/restart.lua" <<'LUA'
local ok, deps, code = svc.restart("MendBase", { timeout = 60 })
if not ok then print("restart failed: " .. tostring(deps) .. " " .. tostring(code)) return 1 end
print("stopped=" .. table.concat(deps.stopped, ",") .. " started=" .. table.concat(deps.started, ",")
      .. " down=" .. #deps.down)
return 0
LUA
mend run --json "$(win "$work/restart.lua")" > "$work/refused.json" 2> "$work/refused.err"
desc="without --allow service the restart is refused"; check has "$work/refused.err" '--allowservice'
desc="... and nothing stopped"; check test "$(states)" = "$all_running"

: > "$work/svc.log"
mend run --allow service --report "$(win "$work/restart.json")" "$(win "$work/restart.lua")" > "$work/restart.out" 2> "$work/restart.err"
rc=$?
desc="mend restarts MendBase (exit 0)"; check test "$rc" -eq 0
desc="... stopped both dependents and started them again, dependencies first"
check has "$work/restart.out" 'stopped=MendTray,MendDepstarted=MendDep,MendTraydown=0'
desc="... all three run afterwards"; check test "$(states)" = "$all_running"
desc="... the report counts 2 starts"; check has "$work/restart.json" '"service_starts":2'
desc="... 2 stops"; check has "$work/restart.json" '"service_stops":2'
desc="... 1 restart"; check has "$work/restart.json" '"service_restarts":1'
desc="... outcome healthy"; check has "$work/restart.json" '"outcome":"healthy"'
order=$(tr -d '\r' < "$work/svc.log" | grep -E 'stopped|running' | tr '\n' '|')
desc="... in SCM's order: the tray stops first, the base starts first"
check test "$order" = "MendTray stopped|MendDep stopped|MendBase stopped|MendBase running|MendDep running|MendTray running|"

# check: an automatic-start service that depends on PolicyAgent and is stopped.
wine "$helpers/svc_install.exe" PolicyAgent normal "$log" start || { echo "cannot install PolicyAgent"; exit 1; }
wine "$helpers/svc_install.exe" MendVpn normal "$log" auto dep:PolicyAgent || { echo "cannot install MendVpn"; exit 1; }
mend check --json > "$work/check.json" 2> "$work/check.err"
rc=$?
desc="check with MendVpn stopped exits 1"; check test "$rc" -eq 1
desc="... names it with sc start"; check has "$work/check.json" 'MendVpn(MendVpn)dependsonPolicyAgentandisstopped'
desc="... and the command"; check has "$work/check.json" 'scstart\"MendVpn\"'

wine_finish "$work"/*.err "$work"/*.json "$work"/*.out "$work/svc.log"
