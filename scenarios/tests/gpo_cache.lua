-- Blocker row gpo_cache: delete "succeeds" but the policy stays pending until gpupdate /force.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "gpo_cache" } } },
}
