-- The handle check: who holds a policy's store key open, and which of them may be stopped.
--
-- An open handle on a registry key does not stop Windows deleting it ("A deleted key is not
-- removed until the last handle to it is closed", RegDeleteKeyEx), so a holder is not by itself
-- a reason to stop a program. mend stops only the IPsec/VPN clients it knows (the article's
-- case: a third-party client keeping the policy in use); any other holder is reported with the
-- command that allows stopping it (--stop-holder NAME, and --allow kill). Windows' critical
-- processes are never stopped: the proc binding refuses them whatever this file says.
--
-- The tables below are meant to be edited: add the VPN client your fleet runs, or a process
-- your security team says must never be stopped. Names are executable names, any letter case.
--
--   local hc = require "handle_check"
--   local list, unseen = hc.holders("Corp-QM")
--   for _, h in ipairs(list) do print(h.process, h.pid, h.class, h.product) end
--   for _, u in ipairs(unseen) do print("could not look inside", u.process, u.error) end
--
-- Run on its own it lists the holders of the named policies (or of every stuck one):
--   mend run scripts/handle_check.lua "Corp-QM"
local M = {}

-- Never stopped: their handles on the IPsec store are normal (the article: "lsass.exe holding
-- a reference is normal - it's the security subsystem"). They are reported, never stopped.
-- Add a process here to keep mend from ever stopping it; removing one of Windows' critical
-- processes changes nothing, since C refuses those (proc.list marks them `critical`).
M.system = {
  ["system"] = "the kernel",
  ["registry"] = "the registry's kernel process",
  ["smss.exe"] = "Session Manager",
  ["csrss.exe"] = "Client/Server Runtime",
  ["wininit.exe"] = "Windows Start-Up Application",
  ["winlogon.exe"] = "Windows Logon",
  ["services.exe"] = "Service Control Manager",
  ["lsass.exe"] = "Local Security Authority (the security subsystem; its handle is normal)",
  ["lsaiso.exe"] = "Credential Guard's isolated LSA",
  ["memory compression"] = "the memory manager's compression store",
  ["secure system"] = "Virtualization-based security's secure kernel",
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

-- Other holders ("unknown") are reported, not stopped, unless named here or on the command
-- line (mend fix ... --allow kill --stop-holder NAME). Names, any letter case: ["holder.exe"] = true.
M.stop = {}

-- true stops every unknown holder (the old default): only for a machine you know well.
M.stop_unknown = false

-- Whether an unknown holder may be stopped: this file's M.stop, or --stop-holder on this run
-- (a comma-separated list works too).
function M.allowed(process)
  local key = tostring(process or ""):lower()
  if M.stop_unknown then return true end
  for k, v in pairs(M.stop) do
    if v and tostring(k):lower() == key then return true end
  end
  for _, given in ipairs(mend and mend.stop_holders or {}) do
    for one in tostring(given):gmatch("[^,]+") do
      if one:lower() == key then return true end
    end
  end
  return false
end

-- Classifies one process: "system", "vpn" or "unknown", and what it is. critical (from
-- proc.list) makes any process "system": Windows marks it critical.
function M.classify(process, critical)
  local key = tostring(process or ""):lower()
  if M.system[key] then return "system", M.system[key] end
  if critical and M.vpn[key] then return "system", M.vpn[key] .. ", marked critical by Windows" end
  if critical then return "system", "a process Windows marks critical" end
  if M.vpn[key] then return "vpn", M.vpn[key] end
  return "unknown", "not a known IPsec/VPN client"
end

-- Whether the ladder may stop a holder of this class (the kill gate still decides).
function M.stoppable(class, process)
  return class == "vpn" or (class == "unknown" and M.allowed(process))
end

-- pid -> true for the processes proc.list marks critical (empty when the list fails: C still
-- refuses them).
local function critical_pids()
  local out = {}
  for _, p in ipairs(proc.list() or {}) do
    if p.critical then out[p.pid] = true end
  end
  return out
end

-- One handle scan for many policies: handles.index of the registry keys open now, and the
-- critical pids read once. Pass it to M.holders for each policy of a pass; take a new one after
-- anything that may open or close handles (a kill, a restart). nil, message, code on failure.
function M.index()
  local idx, msg, code = handles.index{ type = "Key" }
  if not idx then return nil, msg, code end
  return { handles = idx }
end

-- The holders of a policy's store key, each {pid, process, class, product, stop}; one entry
-- per process; then the processes the scan could not look inside, each {pid, process, error}
-- (a holder may hide there). With index (from M.index) no new scan is made. Returns nil,
-- message, code when the key or the scan fails. key: the policy's store key when the caller
-- has it already (ipsec.get's store_key), saving a lookup per policy.
function M.holders(name, index, key)
  local msg, code
  if not key then
    key, msg, code = ipsec.store_key(name)
    if not key then return nil, msg, code end
  end
  local list, unseen
  if index then
    list, unseen, code = index.handles:holders(key)
  else
    list, unseen, code = handles.holders(key)
  end
  if not list then return nil, unseen, code end
  if #list == 0 then return list, unseen or {} end   -- the usual answer: no table more per policy
  local out, seen = {}, {}
  local critical = {}
  if #list > 0 then
    if index then
      index.critical = index.critical or critical_pids()
      critical = index.critical
    else
      critical = critical_pids()
    end
  end
  for _, h in ipairs(list) do
    if not seen[h.pid] then
      seen[h.pid] = true
      local class, product = M.classify(h.process, critical[h.pid])
      out[#out + 1] = { pid = h.pid, process = h.process, class = class, product = product,
                        stop = M.stoppable(class, h.process) }
    end
  end
  table.sort(out, function(a, b) return a.pid < b.pid end)
  return out, unseen or {}
end

-- "lsass.exe (pid 700): Access is denied. (0x5)" for each unseen process, at most `max`.
function M.describe_unseen(unseen, max)
  local parts = {}
  for i, u in ipairs(unseen or {}) do
    if max and i > max then
      parts[#parts + 1] = string.format("and %d more", #unseen - max)
      break
    end
    parts[#parts + 1] = string.format("%s (pid %d): %s", u.process, u.pid, u.error)
  end
  return table.concat(parts, "; ")
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
  local index = M.index()
  for _, name in ipairs(names) do
    local list, unseen = M.holders(name, index)
    if not list then
      log.warn("%s: %s", name, unseen)
    else
      if #list == 0 then log.info("%s: no process holds its store key%s", name, #unseen > 0 and " that mend could see" or "") end
      for _, h in ipairs(list) do
        local what = h.class == "system" and "normal, left alone" or
                     (h.class == "vpn" and "blocks the delete; mend fix stops it with --allow kill (a known IPsec/VPN client)" or
                      (h.stop and "allowed to be stopped (--stop-holder or handle_check.stop); needs --allow kill" or
                       string.format("reported only: Windows deletes a key while handles are open; if it does "
                         .. "hold the policy in use, allow it: --allow kill --stop-holder %s", h.process)))
        log.info("%s: held by %s: %s", name, M.describe(h), what)
        if h.class ~= "system" then found = found + 1 end
      end
      if #unseen > 0 then
        log.info("%s: could not look inside %s; a holder may be hidden there", name, M.describe_unseen(unseen, 5))
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
