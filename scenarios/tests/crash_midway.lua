-- The machine loses power after the second mutating action of the run (journal reliability).
return {
  policies = {
    { name = "QM-A", state = "pending_deletion" },
    { name = "QM-B", state = "pending_deletion" },
    { name = "QM-C", state = "pending_deletion" },
  },
  faults = { crash_after = 2 },
}
