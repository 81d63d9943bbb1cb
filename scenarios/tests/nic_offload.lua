-- Blocker row nic_offload: delete fails in_use, also after a PolicyAgent restart, until offload
-- is disabled on Ethernet0 and PolicyAgent restarts.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", sa_count = 2, blockers = { "nic_offload" } } },
  nics = {
    { name = "Ethernet0", description = "Intel(R) I350", ipsec_offload = true },
    { name = "Ethernet1", description = "Intel(R) I350 #2", ipsec_offload = false },
  },
}
