-- PolicyAgent ignores stop: a restart times out (1053); the stale entry stays until a reboot.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
  faults = { ignore_stop = { "PolicyAgent" } },
}
