-- Blocker row "spd_qm": a half-deleted copy of the policy's quick-mode policy lingers in the SPD,
-- referenced by nothing; the spd_filter rung deletes it there and the delete goes through, before
-- any gpupdate or Policy Agent restart.
return {
  scenario = "scenarios/tests/spd_qm.lua",
  runs = {
    { args = { "check", "Corp-QM" }, exit = 1,
      advice = { "pending deletion in the SPD, referenced by nothing (mend fix deletes it there with --allow service)" } },
    { args = { "fix", "Corp-QM", "--allow", "service" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "spd_filter" } },
      actions = { spd_qm_deletes = 1, gpupdates = 0, service_restarts = 0, reboots = 0 } },
  },
}
