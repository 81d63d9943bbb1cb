-- A VPN client holds the stuck policy: only stopping it (--allow kill) lets the delete through.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", assigned = false, sa_count = 0 },
  },
  services  = { PolicyAgent = { state = "running" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles   = { { pid = 4242, policy = "Corp-QM" } },
  nics      = { { name = "Ethernet0", ipsec_offload = false } },
}
