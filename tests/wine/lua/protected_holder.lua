-- Under Wine, on the real host: a process named lsass.exe holds "Lua-QM"'s store key open.
-- handles.holders finds it by the store key; proc.kill refuses it whatever --allow says.
local key = assert(ipsec.store_key("Lua-QM"))
local holders = assert(handles.holders(key))
local lsass
for _, h in ipairs(holders) do
  if h.process:lower() == "lsass.exe" then lsass = h end
end
assert(lsass, "lsass.exe is not among the " .. #holders .. " holders of " .. key)
assert(lsass.type == "Key", "holder handle type " .. tostring(lsass.type))
assert(lsass.name:lower():find("ipsecpolicy{", 1, true), "holder object name " .. tostring(lsass.name))

local found = assert(proc.find("lsass"))
assert(#found >= 1 and found[1].pid == lsass.pid, "proc.find('lsass') does not find pid " .. lsass.pid)
assert(found[1].critical == true, "proc.find('lsass') does not mark it critical")
local _, unseen = handles.holders(key)
assert(type(unseen) == "table", "handles.holders' second value is the unseen list")

local ok, msg, code = proc.kill(lsass.pid)
assert(ok == nil and code == "not_permitted", "kill of lsass.exe: " .. tostring(msg) .. " " .. tostring(code))
assert(#assert(proc.find("lsass.exe")) >= 1, "lsass.exe must still run")

-- System pids too.
ok, msg, code = proc.kill(4)
assert(ok == nil and code == "not_permitted", "kill of pid 4: " .. tostring(code))
return 0
