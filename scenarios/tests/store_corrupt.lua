-- Blocker row store_corrupt: delete fails io 1392; the registry removal (back up, delete the
-- key, restart PolicyAgent) clears it. A healthy policy sits beside it and must survive.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", blockers = { "store_corrupt" } },
    { name = "Server-Isolation", state = "active" },
  },
}
