-- Every blocker kind at once, alone and combined on one policy, with a healthy assigned policy
-- that must survive: the least disruption does one PolicyAgent restart, one gpupdate and one
-- reboot for all of them.
return {
  policies = {
    { name = "QM-Gpo", state = "pending_deletion", blockers = { "gpo_cache" } },
    { name = "QM-Stale", state = "pending_deletion", blockers = { "stale_memory" } },
    { name = "QM-Held", state = "pending_deletion", sa_count = 1 },
    { name = "QM-Offload", state = "pending_deletion", blockers = { "nic_offload" } },
    { name = "QM-Corrupt", state = "pending_deletion", blockers = { "store_corrupt" } },
    { name = "QM-Driver", state = "pending_deletion", blockers = { "driver_state" } },
    -- Two blockers each: the second shows only once the first is cleared. Windows assigns one
    -- policy at most, so the assigned one is here.
    { name = "QM-Assigned-Stale", state = "pending_deletion", blockers = { "assigned", "stale_memory" } },
    { name = "QM-Held-Gpo", state = "pending_deletion", blockers = { "gpo_cache" } },
    { name = "QM-Offload-Stale", state = "pending_deletion", blockers = { "nic_offload", "stale_memory" } },
    { name = "QM-Corrupt-Gpo", state = "pending_deletion", blockers = { "store_corrupt", "gpo_cache" } },
    { name = "Server-Isolation", state = "active", sa_count = 8 },
  },
  processes = {
    { pid = 4, name = "System" },
    { pid = 700, name = "lsass.exe" },
    { pid = 4242, name = "vpnagent.exe", autostart = false },
  },
  handles = {
    { pid = 700, policy = "Server-Isolation" },
    { pid = 4242, policy = "QM-Held" },
    { pid = 4242, policy = "QM-Held-Gpo" },
  },
  nics = { { name = "Ethernet0", ipsec_offload = true } },
}
