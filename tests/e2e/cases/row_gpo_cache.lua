-- Blocker row "gpo_cache": the delete is accepted but the policy stays until gpupdate /force.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "gpo_cache" } } } }]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "gpupdate", after = "absent" } },
      actions = { gpupdates = 1, service_restarts = 0, reboots = 0 } },
  },
}
