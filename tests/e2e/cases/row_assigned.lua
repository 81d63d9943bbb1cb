-- Blocker row "assigned": unassign, then delete; the advice says it was unassigned and how to restore.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion", assigned = true } } }]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "unassign" } },
      actions = { unassigns = 1, deletes = 1, kills = 0 },
      advice = { "Corp-QM was unassigned", "recreate_policy.lua", "assign=y" } },
  },
}
