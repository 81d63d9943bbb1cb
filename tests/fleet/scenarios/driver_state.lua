-- Held by the IPsec driver's own state: nothing short of a reboot clears it.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", assigned = false, sa_count = 0,
      blockers = { "driver_state" } },
  },
  services  = { PolicyAgent = { state = "running" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" } },
  handles   = { },
  nics      = { { name = "Ethernet0", ipsec_offload = false } },
}
