-- Rung delete: the force-delete and verify of every pending policy.

return {
  name = "delete",
  tells = "Force-delete the policy (netsh ipsec static delete policy), which skips the graceful "
       .. "pending-deletion path, and verify it is gone.",
  when = "pending",
  each = function(ctx, p) ctx:delete(p) end,
}
