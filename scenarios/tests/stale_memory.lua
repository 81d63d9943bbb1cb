-- Blocker row stale_memory: gone from the store, still in PolicyAgent's table; delete says 0x2
-- until PolicyAgent restarts.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
  services = { PolicyAgent = { state = "running" } },
}
