-- What the bundled ladder (scripts/fix.lua) does on a few scenarios:
--   mend test scripts/fix.lua --expect scripts/examples/fix.expect.lua
return {
  allow = "kill",
  scenarios = {
    ["tests/holder"] = {
      exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", after = "absent", rung = "handle_check" } },
      actions = { deletes = 1, kills = 1 },
      advice = false,
      states = { ["Corp-QM"] = "absent" },
    },
    ["tests/healthy"] = { exit = 0, outcome = "healthy", actions = { deletes = 0 } },
    ["tests/reboot_only"] = {  -- reboot not allowed: the ladder stops and says how to finish
      exit = 3, outcome = "reboot_required",
      policies = { ["Corp-QM"] = { outcome = "reboot_required" } },
      actions = { service_restarts = 1, reboots = 0 },
      advice = { "only a reboot can clear it now", "mend fix --resume" },
      states = { ["Corp-QM"] = "pending_deletion" },
    },
    demo = {
      exit = 1, outcome = "partial",
      policies = { ["DMZ-Offload"] = { outcome = "blocked" }, ["VPN-Tunnel"] = { outcome = "fixed" } },
      actions = { kills = 1, offload_changes = 0 },
      advice = { "--allow kill,nic" },
    },
  },
}
