#!/bin/sh
# Under Wine, through mend.exe and its Lua API: turning IPsec task offload off on a fake adapter
# (its class key imported with `reg import`) writes the keywords and records them, the adapter
# restart finds no device and says the change waits for the next restart, and `offload.lua on`
# restores exactly what was there. Runs inside run_in_prefix.sh. usage: nic_offload.sh MEND_EXE SRC_DIR
set -u
mend_exe=$1
src=$2
. "$(dirname "$0")/lib.sh"
query() {  # query VALUE: the data of a keyword of the fake adapter, "absent" when there is none
  out=$(wine reg query 'HKLM\SYSTEM\CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}\0900' \
        /v "$1" 2>/dev/null | tr -d '\r' | awk -v v="$1" '$1 == v { print $3 }')
  echo "${out:-absent}"
}

wine_work nic
cat > "$work/adapter.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}\0900]
"NetCfgInstanceId"="{6d656e64-0000-4000-8000-000000000000}"
"DriverDesc"="Mend Test Adapter"
"*IPsecOffloadV1IPv4"="3"
"*IPsecOffloadV2"="1"

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Class\{4d36e972-e325-11ce-bfc1-08002be10318}\0900\Ndi\Params\*IPsecOffloadV2IPv4]
"default"="3"

[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Control\Network\{4d36e972-e325-11ce-bfc1-08002be10318}\{6d656e64-0000-4000-8000-000000000000}\Connection]
"Name"="MendTest0"
REG
wine reg import "$(win "$work/adapter.reg")" >/dev/null 2>&1
desc="the fake adapter is imported"; check test "$(query '*IPsecOffloadV2')" = 1

cat > "$work/off.lua" <<'LUA'
local ok, msg, code = nic.set_ipsec_offload("MendTest0", false)
assert(ok == nil, "the restart cannot succeed under Wine")
assert(code == "not_found", "code " .. tostring(code))
assert(msg:find("was changed, but the adapter was not restarted", 1, true), msg)
assert(msg:find("next restart", 1, true), msg)
for _, n in ipairs(assert(nic.list())) do
  if n.name == "MendTest0" then assert(n.ipsec_offload == false, "still listed as offloading") end
end
return 0
LUA
mend run --allow nic --json "$(win "$work/off.lua")" > "$work/off.json" 2> "$work/off.err"
rc=$?
desc="off: the binding fails cleanly with the restart's reason (exit 0 = its asserts held)"; check test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$work/off.err"
desc="off: counted as an offload change"; check has "$work/off.json" '"offload_changes":1'
desc="off: no adapter restart counted"; check has "$work/off.json" '"adapter_restarts":0'
desc="off: said that the link drops"; check grep -q "its link drops for a few seconds" "$work/off.err"
desc="off: V1IPv4 written 0"; check test "$(query '*IPsecOffloadV1IPv4')" = 0
desc="off: V2 written 0"; check test "$(query '*IPsecOffloadV2')" = 0
desc="off: V2IPv4 (driver default on) written 0"; check test "$(query '*IPsecOffloadV2IPv4')" = 0
wine reg query 'HKLM\SOFTWARE\mend\NicOffload' /s > "$work/record.txt" 2>/dev/null
desc="off: the previous values are recorded under mend's key"; check grep -q 6d656e64 "$work/record.txt"

mend run --allow nic --json "$(win "$src/scripts/offload.lua")" on > "$work/on.json" 2> "$work/on.err"
rc=$?
desc="offload.lua on: exit 1, the adapter did not restart"; check test "$rc" -eq 1
desc="offload.lua on: a nic.restart_adapter step that failed"; check has "$work/on.json" '"action":"nic.restart_adapter"'
desc="offload.lua on: advice names Restart-NetAdapter"; check has "$work/on.json" 'Restart-NetAdapter-Name'
desc="on: V1IPv4 back to 3"; check test "$(query '*IPsecOffloadV1IPv4')" = 3
desc="on: V2 back to 1"; check test "$(query '*IPsecOffloadV2')" = 1
desc="on: V2IPv4 absent again"; check test "$(query '*IPsecOffloadV2IPv4')" = absent
wine reg query 'HKLM\SOFTWARE\mend\NicOffload' /s > "$work/record.txt" 2>/dev/null
desc="on: the record is gone"; check sh -c "! grep -q 6d656e64 '$work/record.txt'"

wine_finish "$work"/*.json
