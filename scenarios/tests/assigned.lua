-- Blocker row assigned: delete fails in_use until assign(name, false).
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", assigned = true } },
}
