-- What recreate_policy.lua "Corp-QM" does: `mend test scripts/examples/recreate_policy.lua`.
return {
  args = { "Corp-QM" },
  allow = "kill",
  scenarios = {
    demo = {
      exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", after = "active", rung = "recreate" } },
      actions = { deletes = 1, creates = 1 },
      states = { ["Corp-QM"] = "active" },
    },
    ["tests/holder"] = {
      exit = 0, outcome = "fixed",
      actions = { deletes = 1, kills = 1, creates = 1 },
      states = { ["Corp-QM"] = "active" },
    },
    ["tests/healthy"] = {  -- no Corp-QM yet: only created
      exit = 0, outcome = "fixed",
      actions = { deletes = 0, creates = 1 },
      states = { ["Corp-QM"] = "active", ["Server-Isolation"] = "active" },
    },
  },
}
