-- The handle check: who holds a policy's store key open, and which of them may be stopped.
--
-- The tables below are meant to be edited: add the VPN client your fleet runs, or a process
-- your security team says must never be stopped. Names are executable names, any letter case.
--
--   local hc = require "handle_check"
--   for _, h in ipairs(hc.holders("Corp-QM")) do print(h.process, h.pid, h.class, h.product) end
--
-- Run on its own it lists the holders of the named policies (or of every stuck one):
--   mend run scripts/handle_check.lua "Corp-QM"
local M = {}

-- Processes whose handles on the IPsec store are normal (the article: "lsass.exe holding a
-- reference is normal - it's the security subsystem"). They are reported, never stopped;
-- mend's proc binding refuses the critical ones whatever this table says.
M.system = {
  ["system"] = "the kernel",
  ["smss.exe"] = "Session Manager",
  ["csrss.exe"] = "Client/Server Runtime",
  ["wininit.exe"] = "Windows Start-Up Application",
  ["winlogon.exe"] = "Windows Logon",
  ["services.exe"] = "Service Control Manager",
  ["lsass.exe"] = "Local Security Authority (the security subsystem; its handle is normal)",
  -- PolicyAgent, IKEEXT and BFE run inside svchost.exe, which hosts other services too:
  -- a restart of PolicyAgent, not a kill, is what releases its handles.
  ["svchost.exe"] = "Service Host (PolicyAgent, IKEEXT, BFE)",
  ["policyagent.exe"] = "IPsec Policy Agent",
  ["msmpeng.exe"] = "Microsoft Defender Antivirus",
}

-- Third-party VPN clients known to hold IPsec policies open. Stopped with --allow kill.
M.vpn = {
  ["vpnagent.exe"] = "Cisco AnyConnect / Secure Client",
  ["vpnui.exe"] = "Cisco AnyConnect / Secure Client",
  ["csc_ui.exe"] = "Cisco Secure Client",
  ["pangps.exe"] = "Palo Alto GlobalProtect",
  ["pangpa.exe"] = "Palo Alto GlobalProtect",
  ["forticlient.exe"] = "Fortinet FortiClient",
  ["fortisslvpndaemon.exe"] = "Fortinet FortiClient",
  ["fortitray.exe"] = "Fortinet FortiClient",
  ["tracsrvwrapper.exe"] = "Check Point Endpoint VPN",
  ["trgui.exe"] = "Check Point Endpoint VPN",
  ["openvpn.exe"] = "OpenVPN",
  ["openvpnserv.exe"] = "OpenVPN",
  ["openvpn-gui.exe"] = "OpenVPN",
  ["wireguard.exe"] = "WireGuard",
  ["zsatunnel.exe"] = "Zscaler Client Connector",
  ["zsaservice.exe"] = "Zscaler Client Connector",
  ["dsaccessservice.exe"] = "Pulse Secure / Ivanti Secure Access",
  ["pulse.exe"] = "Pulse Secure / Ivanti Secure Access",
  ["swgvc.exe"] = "SonicWall Global VPN Client",
  ["nordvpn.exe"] = "NordVPN",
  ["nordvpn-service.exe"] = "NordVPN",
  ["expressvpn.exe"] = "ExpressVPN",
  ["expressvpnservice.exe"] = "ExpressVPN",
  ["vpngui.exe"] = "Shrew Soft VPN Client",
  ["ipsecd.exe"] = "Shrew Soft VPN Client",
  ["ncpclient.exe"] = "NCP Secure Entry Client",
  ["ncprwsnt.exe"] = "NCP Secure Entry Client",
  ["tgbstarter.exe"] = "TheGreenBow VPN Client",
  ["vpnclient.exe"] = "Cisco VPN Client (legacy)",
  ["cvpnd.exe"] = "Cisco VPN Client (legacy)",
  ["acumbrellaagent.exe"] = "Cisco Umbrella",
}

-- Holders that are neither: stopped with --allow kill as well (set to false to only report
-- them, e.g. on servers where an unknown process is more likely to matter than the policy).
M.stop_unknown = true

-- Classifies one process name: "system", "vpn" or "unknown", and what it is.
function M.classify(process)
  local key = tostring(process or ""):lower()
  if M.system[key] then return "system", M.system[key] end
  if M.vpn[key] then return "vpn", M.vpn[key] end
  return "unknown", "unknown program"
end

-- Whether the ladder may stop a holder of this class (the kill gate still decides).
function M.stoppable(class)
  return class == "vpn" or (class == "unknown" and M.stop_unknown)
end

-- The holders of a policy's store key, each {pid, process, class, product, stop}; one entry
-- per process. Returns nil, message, code when the key or the handle scan is not available.
function M.holders(name)
  local key, msg, code = ipsec.store_key(name)
  if not key then return nil, msg, code end
  local list
  list, msg, code = handles.holders(key)
  if not list then return nil, msg, code end
  local out, seen = {}, {}
  for _, h in ipairs(list) do
    if not seen[h.pid] then
      seen[h.pid] = true
      local class, product = M.classify(h.process)
      out[#out + 1] = { pid = h.pid, process = h.process, class = class, product = product,
                        stop = M.stoppable(class) }
    end
  end
  table.sort(out, function(a, b) return a.pid < b.pid end)
  return out
end

-- Only the holders that block (the ones the ladder would stop, or reports as unknown).
function M.blocking(holders)
  local out = {}
  for _, h in ipairs(holders or {}) do
    if h.class ~= "system" then out[#out + 1] = h end
  end
  return out
end

-- "vpnagent.exe (pid 4242, Cisco AnyConnect / Secure Client)"
function M.describe(h)
  return string.format("%s (pid %d, %s)", h.process, h.pid, h.product)
end

-- Standalone: mend run scripts/handle_check.lua [NAMES...] lists holders, changes nothing.
local function main(names)
  if #names == 0 then
    for _, p in ipairs(ipsec.policies() or {}) do
      if p.state == "pending_deletion" then names[#names + 1] = p.name end
    end
  end
  local found = 0
  for _, name in ipairs(names) do
    local list, msg = M.holders(name)
    if not list then
      log.warn("%s: %s", name, msg)
    elseif #list == 0 then
      log.info("%s: no process holds its store key", name)
    else
      for _, h in ipairs(list) do
        local what = h.class == "system" and "normal, left alone" or
                     (h.stop and "blocks the delete; mend fix stops it with --allow kill" or
                      "blocks the delete; reported only (stop_unknown = false)")
        log.info("%s: held by %s: %s", name, M.describe(h), what)
        if h.class ~= "system" then found = found + 1 end
      end
    end
  end
  return found > 0 and 1 or 0
end

if arg and type(arg[0]) == "string" and arg[0]:match("[^/\\]+$") == "handle_check.lua" then
  local names = {}
  for i, a in ipairs(mend.args) do names[i] = a end
  return main(names)
end

return M
