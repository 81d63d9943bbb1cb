-- The SPD tests' machine: one assigned policy (plumbed, with SAs) and an unassigned one pending
-- deletion whose SAs keep its quick-mode policy pending.
return {
  policies = {
    { name = "Corp-QM", state = "active", assigned = true, sa_count = 2 },
    { name = "Old-QM", state = "pending_deletion", sa_count = 3 },
    { name = "Spare-QM", state = "active" },
  },
}
