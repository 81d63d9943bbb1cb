-- Two policies sharing a filter list ("LAN"), one of them assigned and stuck with a corrupt
-- store entry; a third shares a filter action with the second.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", blockers = { "store_corrupt" }, assigned = true,
      filter_list = "LAN" },
    { name = "Branch", filter_list = "LAN", filter_action = "Require" },
    { name = "Other", filter_action = "Require" },
  },
}
