-- The SPD tests' machine: one assigned policy (plumbed, with SAs) and an unassigned one pending
-- deletion whose SAs keep its quick-mode policy pending, and one whose orphaned filter does.
return {
  policies = {
    { name = "Corp-QM", state = "active", assigned = true, sa_count = 2 },
    { name = "Old-QM", state = "pending_deletion", sa_count = 3 },
    { name = "Spare-QM", state = "active" },
    { name = "Orphan-QM", state = "pending_deletion", blockers = { "orphan_filter" } },
  },
}
