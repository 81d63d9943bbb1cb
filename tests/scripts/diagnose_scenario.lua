-- lib.diagnose's machine: one policy per source that can say "pending deletion".
return {
  policies = {
    { name = "Held-QM", state = "pending_deletion", sa_count = 2 },
    { name = "Event-QM", state = "active" },
    { name = "Quiet-QM", state = "active" },
    { name = "Store-QM", state = "pending_deletion" },
    { name = "Gpo-QM", state = "pending_deletion", source = "gpo", gpo = "Retired GPO", gpo_assigned = false },
  },
  events = { { policy = "Event-QM" } },
}
