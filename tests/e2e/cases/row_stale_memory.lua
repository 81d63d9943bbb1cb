-- Blocker row "stale_memory": delete says 0x2 while the policy is listed; a PolicyAgent restart clears it.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } } }]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "restart" } },
      actions = { service_restarts = 1, gpupdates = 0, reboots = 0 },
      stderr = { "The system cannot find the file specified. (0x2)" } },
  },
}
