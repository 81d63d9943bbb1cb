-- Every blocker row on its own policy, plus a healthy assigned one that must survive.
return {
  policies = {
    { name = "QM-Purge", state = "pending_deletion" },
    { name = "QM-Gpo", state = "pending_deletion", blockers = { "gpo_cache" } },
    { name = "QM-Stale", state = "pending_deletion", blockers = { "stale_memory" } },
    { name = "QM-Held", state = "pending_deletion", sa_count = 1 },
    { name = "QM-Assigned", state = "pending_deletion", assigned = true },
    { name = "QM-Offload", state = "pending_deletion", blockers = { "nic_offload" } },
    { name = "QM-Corrupt", state = "pending_deletion", blockers = { "store_corrupt" } },
    { name = "QM-Driver", state = "pending_deletion", blockers = { "driver_state" } },
    { name = "Server-Active", state = "active", sa_count = 8 },
  },
  processes = {
    { pid = 4, name = "System" },
    { pid = 700, name = "lsass.exe" },
    { pid = 4242, name = "vpnagent.exe", autostart = false },
  },
  handles = {
    { pid = 700, policy = "Server-Active" },
    { pid = 700, policy = "QM-Held" },
    { pid = 4242, policy = "QM-Held" },
  },
  nics = { { name = "Ethernet0", ipsec_offload = true } },
}
