-- The same machine with no --allow: what needs no gate is fixed, the rest is blocked or needs a
-- reboot, and the advice names each command.
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  runs = {
    { args = { "fix" }, exit = 1, outcome = "partial",
      policies = {
        ["QM-Purge"] = { outcome = "fixed" }, ["QM-Gpo"] = { outcome = "fixed" },
        ["QM-Stale"] = { outcome = "fixed" }, ["QM-Assigned"] = { outcome = "fixed" },
        ["QM-Held"] = { outcome = "blocked" }, ["QM-Offload"] = { outcome = "blocked" },
        ["QM-Corrupt"] = { outcome = "blocked" },
        -- In use with no holder while a NIC offloads: indistinguishable from nic_offload, so
        -- the lesser action (--allow nic) comes before any reboot.
        ["QM-Driver"] = { outcome = "blocked" },
      },
      actions = { kills = 0, reboots = 0, registry_deletes = 0, offload_changes = 0 },
      advice = { 'mend fix "QM-Held" --allow kill', 'mend fix "QM-Offload" --allow nic',
                 'mend fix "QM-Corrupt" --allow registry', 'mend fix "QM-Driver" --allow nic',
                 'All of them at once: mend fix "QM-Corrupt" "QM-Driver" "QM-Held" "QM-Offload" --allow kill,registry,nic' },
      stderr = { "[handle_check] QM-Held: proc.kill failed: stopping processes is not allowed; rerun with --allow kill" } },
  },
}
