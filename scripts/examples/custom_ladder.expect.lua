-- What custom_ladder.lua does with --allow kill: `mend test scripts/examples/custom_ladder.lua`.
-- It has no NIC or reboot rung, so offload and driver cases end failed, with advice.
return {
  allow = "kill",
  scenarios = {
    demo = {
      exit = 1, outcome = "partial",
      policies = { ["Corp-QM"] = { outcome = "fixed", after = "absent" },
                   ["DMZ-Offload"] = { outcome = "failed", after = "pending_deletion" } },
      actions = { deletes = 4, kills = 1, gpupdates = 1, service_restarts = 1, reboots = 0 },
      advice = { "DMZ-Offload is still pending deletion" },
      states = { ["Corp-QM"] = "absent", ["DMZ-Offload"] = "pending_deletion", ["Server-Isolation"] = "active" },
    },
    ["tests/holder"] = {
      exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed" } },
      actions = { deletes = 1, kills = 1 },
      states = { ["Corp-QM"] = "absent" },
    },
    ["tests/reboot_only"] = {
      exit = 1, outcome = "failed",
      actions = { reboots = 0 },
      advice = { "Corp-QM is still pending deletion" },
      states = { ["Corp-QM"] = "pending_deletion" },
    },
  },
}
