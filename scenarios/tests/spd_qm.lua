-- Blocker row "spd_qm": a half-deleted copy of the policy's quick-mode policy lingers in the SPD,
-- pending deletion with nothing referencing it; delete answers 0x32DF until it is deleted there
-- (spd.delete_qm_policy) or the Policy Agent restarts.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "spd_qm" } } },
}
