-- Blocker row "driver_state": only a reboot clears it. Refused: reboot_required, exit 3, advice with
-- the command; --yes alone must not reboot; allowed: one reboot, fixed, resume registered.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } } }]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 3, outcome = "reboot_required",
      policies = { ["Corp-QM"] = { outcome = "reboot_required", after = "pending_deletion", rung = "reboot" } },
      actions = { reboots = 0 },
      advice_first = 'mend fix "Corp-QM" --allow reboot',
      advice = { 'mend fix --resume "Corp-QM"' } },
    { args = { "fix", "Corp-QM", "--yes" }, exit = 3, outcome = "reboot_required", actions = { reboots = 0 } },
    { args = { "fix", "Corp-QM", "--allow", "reboot" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "reboot", after = "absent" } },
      actions = { reboots = 1 },
      stderr = { "sys.resume_after_reboot ok", "fix --resume \"Corp-QM\"", "sys.reboot ok" } },
  },
}
