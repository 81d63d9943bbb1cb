-- A holder the handle scan cannot see (a protected process, as OpenProcess(PROCESS_DUP_HANDLE)
-- fails on Windows): nothing is stopped, and the advice says where mend could not look.
local scenario = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe", protected = true } },
  handles = { { pid = 4242, policy = "Corp-QM" } },
}]]
return {
  scenario_text = scenario,
  runs = {
    { args = { "fix", "Corp-QM", "--allow", "kill" }, exit = 3,
      policies = { ["Corp-QM"] = { outcome = "reboot_required", after = "pending_deletion" } },
      actions = { kills = 0 },
      advice = { "could not look inside vpnagent.exe (pid 4242): Access is denied. (0x5)",
                 "a holder may be hidden there" } },
    { args = { "check", "Corp-QM" }, exit = 1 },
  },
}
