-- The machine the API tests run on: one policy per situation, the critical processes, a holder,
-- two NICs, a few registry keys, and faults for the error paths.
return {
  settings = { admin = true, os = "Windows Server 2022 (10.0.20348)" },
  policies = {
    { name = "Corp-QM", state = "pending_deletion", description = "missed purge" },
    { name = "Active-QM", state = "active", assigned = true, sa_count = 2, description = "in use" },
    { name = "Held-QM", state = "pending_deletion" },
    { name = "Stale-QM", state = "pending_deletion", blockers = { "stale_memory" } },
    { name = "Driver-QM", state = "pending_deletion", blockers = { "driver_state" } },
    { name = "Offload-QM", state = "pending_deletion", blockers = { "nic_offload" } },
    { name = 'Quote "Q" QM', state = "active" },
    { name = "Line\nBreak QM", state = "active" },
    { name = "Ünïcødé-策略", state = "pending_deletion" },
    { name = "Corrupt-QM", state = "pending_deletion", blockers = { "store_corrupt" } },
    { name = "Denied-QM", state = "active" },
  },
  services = {
    PolicyAgent = { state = "running" },
    Stubborn = { state = "running", display_name = "Ignores stop", start_type = "demand" },
    Locked = { state = "running", start_type = "demand" },
    Off = { state = "stopped", start_type = "disabled" },
  },
  processes = {
    { pid = 4, name = "System" },
    { pid = 300, name = "smss.exe" },
    { pid = 400, name = "csrss.exe" },
    { pid = 500, name = "wininit.exe" },
    { pid = 600, name = "services.exe" },
    { pid = 700, name = "lsass.exe" },
    { pid = 800, name = "winlogon.exe" },
    { pid = 56, name = "Secure System" },
    { pid = 88, name = "Registry" },
    { pid = 710, name = "LsaIso.exe" },
    { pid = 1900, name = "Memory Compression" },
    { pid = 4242, name = "vpnagent.exe", path = "C:\\Program Files\\VPN\\vpnagent.exe" },
    { pid = 5000, name = "notepad.exe", autostart = false },
    { pid = 5100, name = "sticky.exe", autostart = false },
    { pid = 5200, name = "guard.exe", critical = true },          -- marked critical, as Windows can
    { pid = 5300, name = "shield.exe", protected = true },        -- a protected process: the scan is blind
  },
  handles = {
    { pid = 4242, policy = "Held-QM" },
    { pid = 700, policy = "Active-QM" },
    { pid = 5000, policy = "Corp-QM" },     -- not an IPsec/VPN client: Windows deletes the key anyway
    { pid = 5300, policy = "Active-QM" },   -- hidden from the scan
  },
  nics = {
    { name = "Ethernet0", description = "Intel(R) Ethernet", ipsec_offload = true },
    { name = "Ethernet1", description = "Broadcom NetXtreme", ipsec_offload = false },
  },
  registry = {
    ["HKLM\\SOFTWARE\\Contoso\\App"] = {
      Name = "mend test",
      Count = 42,
      Hosts = { "a.corp", "b.corp" },
      Blob = { type = "REG_BINARY", hex = "00ff10" },
      Big = { type = "REG_QWORD", data = 5000000000 },
      Path = { type = "REG_EXPAND_SZ", data = "%SystemRoot%\\mend" },
    },
    ["HKLM\\SOFTWARE\\Contoso\\App\\Child"] = { Leaf = "1" },
    ["HKLM\\SOFTWARE\\Contoso\\Denied"] = { X = "y" },
  },
  faults = {
    ignore_stop = { "Stubborn" },
    access_denied = { "svc.stop:Locked", "ipsec.delete:Denied-QM", "reg.set:HKLM\\SOFTWARE\\Contoso\\Denied" },
    unkillable = { "sticky.exe" },
  },
}
