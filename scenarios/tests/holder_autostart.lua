-- A holder that starts with the machine: a reboot does not help (it re-opens its handle with a
-- new pid); killing it and deleting before the next boot does.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = {
    { pid = 4, name = "System" },
    { pid = 4242, name = "vpnagent.exe", path = "C:\\Program Files\\Contoso VPN\\vpnagent.exe" },
  },
  handles = { { pid = 4242, policy = "Corp-QM" } },
}
