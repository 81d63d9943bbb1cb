-- Blocker row "none": a missed purge. Delete succeeds (ladder step 2).
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
}
