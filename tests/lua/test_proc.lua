-- proc: list and find results with the critical mark, and kill refused for Windows' critical
-- processes (built-in set and scenario-marked) and unknown pids.
-- Run twice: without --allow (kill refused by its gate) and with --allow kill.
local t = require "testlib"

local list = t.ok(proc.list())
t.ok(#list >= 10, #list)
for _, p in ipairs(list) do
  t.eq(math.type(p.pid), "integer")
  t.eq(math.type(p.ppid), "integer")
  t.eq(type(p.name), "string")
  t.eq(type(p.path), "string")
  t.eq(type(p.critical), "boolean")
end
t.eq(t.field(list, "pid", 700).critical, true, "lsass is critical")
t.eq(t.field(list, "pid", 5200).critical, true, "a process the scenario marks critical")
t.eq(t.field(list, "pid", 4242).critical, false)
t.eq(t.field(list, "pid", 5000).critical, false)
local vpn = t.field(list, "pid", 4242)
t.eq(vpn.name, "vpnagent.exe")
t.eq(vpn.path, "C:\\Program Files\\VPN\\vpnagent.exe")

t.eq(#t.ok(proc.find("vpnagent.exe")), 1)
t.eq(t.ok(proc.find("VPNAgent.EXE"))[1].pid, 4242, "find ignores case")
t.eq(t.ok(proc.find("vpnagent"))[1].pid, 4242, ".exe is optional")
t.eq(t.ok(proc.find("nothing.exe")), {})
t.err("invalid", proc.find, "\xff")

-- system-critical processes: refused whatever the gates say, with the reason
local critical = { System = 4, ["smss.exe"] = 300, ["csrss.exe"] = 400, ["wininit.exe"] = 500,
                   ["services.exe"] = 600, ["lsass.exe"] = 700, ["winlogon.exe"] = 800,
                   ["Secure System"] = 56, Registry = 88, ["LsaIso.exe"] = 710,
                   ["Memory Compression"] = 1900, ["guard.exe"] = 5200 }
for name, pid in pairs(critical) do
  local msg = t.err("not_permitted", proc.kill, pid)
  t.contains(msg, name)
  t.contains(msg, "system-critical")
end
t.contains(t.err("not_permitted", proc.kill, 0), "system-critical")
t.eq(#proc.find("lsass.exe"), 1, "lsass still runs")
t.eq(#proc.find("guard.exe"), 1, "the marked process still runs")

t.contains(t.err("not_found", proc.kill, 99999), "99999")
t.err("invalid", proc.kill, -1)
t.err("invalid", proc.kill, 1 << 40)

if mend.allowed("kill") then
  t.eq(proc.kill(4242), true)
  t.eq(proc.find("vpnagent.exe"), {})
  t.err("not_found", proc.kill, 4242)
  -- its handle went with it, so the policy it held can go
  t.eq(handles.scan{ pid = 4242 }, {})
  t.eq(ipsec.delete("Held-QM"), true)
  t.ok(proc.kill(5000))
  t.err("access_denied", proc.kill, 5100)
else
  t.contains(t.err("not_permitted", proc.kill, 4242), "--allow kill")
  t.eq(#proc.find("vpnagent.exe"), 1, "nothing was killed")
end

t.raises("bad argument #1", proc.kill, "4242x")
t.raises("bad argument #1", proc.kill, 1.5)
t.raises("bad argument #1", proc.kill)
t.raises("bad argument #1", proc.find, {})
t.eq(require "proc", proc)
return t.finish()
