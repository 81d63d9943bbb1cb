-- Blocker row "spd_sas": the policy's quick-mode policy stays pending deletion in the SPD while
-- quick-mode SAs reference it; delete answers 0x32DF until they are dropped (spd.delete_sas) or
-- the Policy Agent restarts. An event of the last failure is in the log.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", sa_count = 3, blockers = { "spd_sas" } } },
  events = { { policy = "Corp-QM", message = "seeded: the last delete answered 13023" } },
}
