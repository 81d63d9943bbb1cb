-- Nothing stuck: one assigned, active policy. check reports healthy; fix changes nothing.
return {
  policies = { { name = "Server-Isolation", description = "Domain isolation", state = "active", assigned = true } },
}
