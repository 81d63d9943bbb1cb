-- handle_check.lua classifies holders from its editable tables: system processes are normal,
-- known VPN clients and unknown programs block (unknown ones stoppable unless configured off).
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
t.eq(hc.classify("notepad.exe"), "unknown")
t.eq(hc.stoppable("vpn"), true)
t.eq(hc.stoppable("system"), false)
t.eq(hc.stoppable("unknown"), true)

-- QM-Held: lsass (normal) and vpnagent (blocks), sorted by pid, one entry per process.
local holders = assert(hc.holders("QM-Held"))
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
hc.vpn["notepad.exe"] = "Contoso test client"
t.eq(hc.classify("notepad.exe"), "vpn")
hc.stop_unknown = false
t.eq(hc.stoppable("unknown"), false)

-- Unknown policy: nil, message, code.
local none, msg, code = hc.holders("No-Such-QM")
t.eq(none, nil)
t.eq(code, "not_found")
return t.finish()
