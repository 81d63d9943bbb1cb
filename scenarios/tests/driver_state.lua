-- Blocker row driver_state: delete fails in_use with no holder to find; only a reboot clears it.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } },
}
