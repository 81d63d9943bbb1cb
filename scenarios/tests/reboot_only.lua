-- Only a reboot fixes it (driver_state); with a resume registered the fix continues after boot.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } },
    { name = "Server-Isolation", state = "active", assigned = true },
  },
}
