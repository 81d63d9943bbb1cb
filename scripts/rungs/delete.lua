-- Rung delete: the force-delete and verify of every pending policy.

return {
  name = "delete",
  tells = "Force-deletes every stuck policy (netsh ipsec static delete policy), which skips the graceful "
       .. "pending-deletion path, and verifies it is gone; each failure is reported with its Windows "
       .. "message, and a delete that said \"The system cannot find the file specified\" (0x2) while the "
       .. "policy is still listed is remembered for `restart`.",
  when = "pending",
  each = function(ctx, p) ctx:delete(p) end,
}
