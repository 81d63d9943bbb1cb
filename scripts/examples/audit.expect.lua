-- What audit.lua does on the bundled scenarios: `mend test scripts/examples/audit.lua`.
-- Reads only, so every policy keeps its state and nothing is counted.
return {
  scenarios = {
    demo = {
      exit = 0, outcome = "failed",
      policies = { ["Corp-QM"] = { outcome = "failed" }, ["Server-Isolation"] = { outcome = "healthy" } },
      actions = { deletes = 0, kills = 0, registry_deletes = 0 },
      states = { ["Corp-QM"] = "pending_deletion", ["Server-Isolation"] = "active" },
    },
    ["tests/holder"] = {
      exit = 0, outcome = "failed",
      policies = { ["Corp-QM"] = { outcome = "failed", after = "pending_deletion" } },
      actions = { kills = 0 },
      states = { ["Corp-QM"] = "pending_deletion" },
    },
    ["tests/healthy"] = {
      exit = 0, outcome = "healthy",
      policies = { ["Server-Isolation"] = { outcome = "healthy" } },
      advice = false,
    },
  },
}
