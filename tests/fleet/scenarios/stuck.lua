-- One policy left pending deletion by a missed purge: a plain delete fixes it, no gate needed.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", assigned = false, sa_count = 0 },
    { name = "Branch-QM", state = "active", assigned = false, sa_count = 0 },
  },
  services  = { PolicyAgent = { state = "running" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" } },
  handles   = { },
  nics      = { { name = "Ethernet0", ipsec_offload = false } },
}
