-- The holder cannot be killed (a protected anti-tamper VPN client); only a reboot gets rid of
-- it, as it has no autostart.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles = { { pid = 4242, policy = "Corp-QM" } },
  faults = { unkillable = { "vpnagent.exe" } },
}
