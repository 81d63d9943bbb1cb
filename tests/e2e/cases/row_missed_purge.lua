-- Blocker row "(none: a missed purge)": the force delete alone clears it.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion" } } }]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "delete", before = "pending_deletion", after = "absent" } },
      actions = { deletes = 1, gpupdates = 0, service_restarts = 0, reboots = 0 },
      check = function(t, res, work)
        t.check(t.state_policy(t.load_state(work .. "/state.lua"), "Corp-QM") == nil, "Corp-QM still in the saved state")
      end },
    -- Run again: the name is gone now, and naming what does not exist is a problem (exit 1).
    { args = { "fix", "Corp-QM" }, exit = 1, outcome = "not_found", policies = { ["Corp-QM"] = { outcome = "not_found" } },
      actions = { deletes = 0 } },
  },
}
