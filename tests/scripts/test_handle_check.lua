-- handle_check.lua classifies holders from its editable tables: system and critical processes
-- are normal and never stopped, known VPN clients are stopped, other programs only when allowed
-- (handle_check.stop, --stop-holder, or stop_unknown).
local t = require "testlib"
local hc = require "handle_check"

t.eq(hc.classify("lsass.exe"), "system")
t.eq(hc.classify("LSASS.EXE"), "system")
t.eq(hc.classify("System"), "system")
t.eq(hc.classify("svchost.exe"), "system")
local class, product = hc.classify("vpnagent.exe")
t.eq(class, "vpn")
t.contains(product, "Cisco")
for _, exe in ipairs({ "PanGPS.exe", "FortiClient.exe", "TracSrvWrapper.exe", "openvpn.exe", "wireguard.exe",
                       "ZSATunnel.exe", "dsAccessService.exe", "SWGVC.exe", "nordvpn.exe", "fortisslvpndaemon.exe" }) do
  t.eq(hc.classify(exe), "vpn", exe)
end
for _, exe in ipairs({ "Registry", "LsaIso.exe", "Memory Compression", "Secure System", "csrss.exe" }) do
  t.eq(hc.classify(exe), "system", exe)
end
t.eq(hc.classify("notepad.exe"), "unknown")
t.eq(hc.classify("guard.exe", true), "system", "a process Windows marks critical")
t.eq(hc.classify("vpnagent.exe", true), "system", "critical wins over the VPN table")
t.contains(select(2, hc.classify("vpnagent.exe", true)), "marked critical by Windows")
t.eq(hc.stoppable("vpn", "vpnagent.exe"), true)
t.eq(hc.stoppable("system", "lsass.exe"), false)
t.eq(hc.stoppable("unknown", "notepad.exe"), false, "an unknown holder is only reported by default")

-- QM-Held: lsass (normal) and vpnagent (blocks), sorted by pid, one entry per process.
local holders, unseen = assert(hc.holders("QM-Held"))
t.eq(unseen, {})
t.eq(#holders, 2)
t.eq(holders[1].process, "lsass.exe")
t.eq(holders[1].class, "system")
t.eq(holders[1].stop, false)
t.eq(holders[2].process, "vpnagent.exe")
t.eq(holders[2].stop, true)
local blocking = hc.blocking(holders)
t.eq(#blocking, 1)
t.eq(blocking[1].pid, 4242)
t.eq(hc.describe(blocking[1]), "vpnagent.exe (pid 4242, Cisco AnyConnect / Secure Client)")

-- The tables are data: an admin's edit changes the verdict.
hc.stop["Holder.exe"] = true
t.eq(hc.stoppable("unknown", "holder.EXE"), true, "handle_check.stop allows one by name")
t.eq(hc.stoppable("unknown", "other.exe"), false)
hc.stop_unknown = true
t.eq(hc.stoppable("unknown", "other.exe"), true)
t.eq(hc.stoppable("system", "svchost.exe"), false, "never a system process")
hc.stop_unknown = false
hc.vpn["notepad.exe"] = "Contoso test client"
t.eq(hc.classify("notepad.exe"), "vpn")

-- Unknown policy: nil, message, code.
local none, msg, code = hc.holders("No-Such-QM")
t.eq(none, nil)
t.eq(code, "not_found")
return t.finish()
