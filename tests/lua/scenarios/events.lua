-- The event-log tests' machine: a policy pending deletion and two 13023 events seeded in the log,
-- one of them a month old (outside the default week).
return {
  settings = { clock = 1780000000 },
  policies = {
    { name = "Old-QM", state = "pending_deletion" },
    { name = "Corp-QM", state = "active" },
  },
  events = {
    { policy = "Ancient-QM", time = 1780000000 - 30 * 86400 },
    { policy = "Old-QM", time = 1780000000 - 3600, id = 5462, message = "seeded: failed to apply some rules" },
  },
}
