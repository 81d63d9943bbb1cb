-- Blocker row "a handle from a non-system process": vpnagent.exe holds the policy's store key;
-- lsass.exe holds one too, which is normal. Kill vpnagent.exe (pid 4242), then delete.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = {
    { pid = 4, name = "System" },
    { pid = 700, name = "lsass.exe", path = "C:\\Windows\\System32\\lsass.exe" },
    { pid = 4242, name = "vpnagent.exe", path = "C:\\Program Files\\Contoso VPN\\vpnagent.exe",
      autostart = false },
  },
  handles = { { pid = 700, policy = "Corp-QM" }, { pid = 4242, policy = "Corp-QM" } },
}
