-- Stale memory + NIC offload: in_use first; offload off and one restart clear both.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory", "nic_offload" } } },
  nics = { { name = "Ethernet0", ipsec_offload = true } },
}]],
  runs = {
    { args = { "fix", "Corp-QM", "--allow", "nic" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "offload" } },
      actions = { offload_changes = 1, reboots = 0 }, actions_max = { service_restarts = 1 } },
  },
}
