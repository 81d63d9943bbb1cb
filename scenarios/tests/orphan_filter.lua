-- Blocker row "orphan_filter": the policy was unassigned and deleted, but a transport filter the
-- Policy Agent plumbed for it is still in the SPD and references its quick-mode policy, which
-- stays pending deletion; delete answers 0x32DF until the filter is deleted there
-- (spd.delete_filter) or the Policy Agent restarts (it plumbs only the assigned policy). Old-Both's
-- quick-mode policy is kept by its orphaned filter and by two SAs. Corp-Live, the assigned policy,
-- keeps its own filter and SAs throughout.
return {
  policies = {
    { name = "Old-VPN", state = "pending_deletion", blockers = { "orphan_filter" } },
    { name = "Old-Both", state = "pending_deletion", sa_count = 2, blockers = { "orphan_filter", "spd_sas" } },
    { name = "Corp-Live", state = "active", assigned = true, sa_count = 2 },
  },
  events = { { policy = "Old-VPN", message = "seeded: the last delete answered 13023" } },
}
