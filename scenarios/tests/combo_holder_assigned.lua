-- Combination: assigned and held by vpnagent.exe. Both must be cleared (unassign, kill), then delete.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", assigned = true } },
  processes = {
    { pid = 4, name = "System" },
    { pid = 700, name = "lsass.exe" },
    { pid = 4242, name = "vpnagent.exe", autostart = false },
  },
  handles = { { pid = 700, policy = "Corp-QM" }, { pid = 4242, policy = "Corp-QM" } },
}
