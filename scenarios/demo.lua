-- The demo machine: a Windows Server 2022 box whose IPsec policies are stuck in every way the
-- 0x32DF article describes. `mend check` finds them, `mend fix` walks the ladder.
-- The format is described in docs/scenarios.md.
return {
  settings = { os = "Windows Server 2022 Datacenter (simulated)" },

  policies = {
    -- A missed purge: pending, nothing holds it; a plain delete clears it (ladder step 2).
    { name = "Corp-QM", description = "Corporate quick mode policy (retired)",
      state = "pending_deletion" },
    -- Group policy re-applies it from its cache until a forced refresh (step 3).
    { name = "Branch-Office-QM", description = "Branch office tunnel, removed from the GPO",
      state = "pending_deletion", blockers = { "gpo_cache" } },
    -- Gone from the store but still in PolicyAgent's table: delete says 0x2 (step 4).
    { name = "Legacy-L2TP", description = "Old L2TP/IPsec policy",
      state = "pending_deletion", blockers = { "stale_memory" } },
    -- The VPN client holds its store key open: kill it first (alternative 1).
    { name = "VPN-Tunnel", description = "Third-party VPN client policy",
      state = "pending_deletion", sa_count = 2 },
    -- The offloading NIC keeps its SAs: disable offload, restart PolicyAgent, delete.
    { name = "DMZ-Offload", description = "DMZ servers, hardware offloaded",
      state = "pending_deletion", sa_count = 4, blockers = { "nic_offload" } },
    -- Its store entry is corrupt: delete fails with another error; only the registry removal
    -- (after a .reg backup) and a PolicyAgent restart clear it (alternative 2, the nuclear option).
    { name = "Old-Store-QM", description = "Pre-migration policy with a damaged store entry",
      state = "pending_deletion", blockers = { "store_corrupt" } },
    -- The healthy, assigned policy that must survive every fix.
    { name = "Server-Isolation", description = "Domain isolation (in use)",
      state = "active", assigned = true, sa_count = 12 },
  },

  services = {
    PolicyAgent = { state = "running" },
    VpnAgent = { display_name = "Contoso VPN Agent", state = "running", start_type = "auto",
                 depends_on = { "PolicyAgent" } },
  },

  processes = {
    { pid = 4, name = "System" },
    { pid = 388, ppid = 4, name = "smss.exe", path = "C:\\Windows\\System32\\smss.exe" },
    { pid = 512, ppid = 500, name = "csrss.exe", path = "C:\\Windows\\System32\\csrss.exe" },
    { pid = 596, ppid = 500, name = "wininit.exe", path = "C:\\Windows\\System32\\wininit.exe" },
    { pid = 676, ppid = 596, name = "services.exe", path = "C:\\Windows\\System32\\services.exe" },
    { pid = 700, ppid = 596, name = "lsass.exe", path = "C:\\Windows\\System32\\lsass.exe" },
    { pid = 1216, ppid = 676, name = "svchost.exe", path = "C:\\Windows\\System32\\svchost.exe" },
    -- Started by hand from the admin's session: it will not come back after a reboot.
    { pid = 4242, ppid = 3120, name = "vpnagent.exe",
      path = "C:\\Program Files\\Contoso VPN\\vpnagent.exe", autostart = false },
    { pid = 3120, ppid = 3000, name = "explorer.exe", path = "C:\\Windows\\explorer.exe" },
  },

  handles = {
    { pid = 700, policy = "Server-Isolation" },   -- lsass: normal, blocks nothing
    { pid = 700, policy = "VPN-Tunnel" },
    { pid = 4242, policy = "VPN-Tunnel" },        -- the real holder
    { pid = 4242, type = "File", name = "\\Device\\HarddiskVolume2\\ProgramData\\Contoso\\vpn.log" },
  },

  nics = {
    { name = "Ethernet0", description = "Intel(R) Ethernet Server Adapter I350-T4", ipsec_offload = true },
    { name = "Ethernet1", description = "Intel(R) Ethernet Server Adapter I350-T4 #2" },
  },

  registry = {
    ["HKLM\\SOFTWARE\\Contoso\\VPN"] = { InstallDir = "C:\\Program Files\\Contoso VPN", Version = 7 },
  },
}
