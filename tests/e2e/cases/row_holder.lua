-- Blocker row "a handle from a non-system process": refused -> blocked with the exact command;
-- allowed -> the VPN client is stopped (lsass never), then the delete works.
local scenario = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles = { { pid = 700, policy = "Corp-QM" }, { pid = 4242, policy = "Corp-QM" } },
}]]
return {
  scenario_text = scenario,
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked", after = "pending_deletion", rung = "handle_check" } },
      actions = { kills = 0, reboots = 0 },
      advice_first = 'mend fix "Corp-QM" --allow kill',
      advice = { "vpnagent.exe (pid 4242" },
      check = function(t, res, work) t.eq(t.processes(work)["vpnagent.exe"], 4242, "vpnagent still running") end },
    { args = { "fix", "Corp-QM", "--allow", "kill" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "handle_check" } },
      actions = { kills = 1, deletes = 1 },
      check = function(t, res, work)
        local have = t.processes(work)
        t.eq(have["lsass.exe"], 700, "lsass.exe left running")
        t.eq(have["vpnagent.exe"], nil, "vpnagent.exe stopped")
      end },
  },
}
