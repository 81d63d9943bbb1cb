-- --yes opens kill, registry and nic but never reboot: the holder is stopped, the driver state
-- leaves the policy reboot_required (exit 3).
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "openvpn.exe", autostart = false } },
  handles = { { pid = 4242, policy = "Corp-QM" } },
}]],
  runs = {
    { args = { "fix", "Corp-QM", "--yes" }, exit = 3, outcome = "reboot_required",
      policies = { ["Corp-QM"] = { outcome = "reboot_required" } },
      actions = { kills = 1, reboots = 0 },
      advice_first = "--allow reboot" },
  },
}
