return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", assigned = false, sa_count = 0,
      blockers = { "stale_memory" } },
  },
  services  = { PolicyAgent = { state = "running" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe" } },
  handles   = { { pid = 4242, policy = "Corp-QM" } },
  nics      = { { name = "Ethernet0", ipsec_offload = true } },
  registry  = { },
  faults    = { },
}
