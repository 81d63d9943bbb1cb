-- Blocker row "store_corrupt": delete fails with another error; registry removal needs --allow
-- registry, writes a .reg backup, then one restart; the other policy is untouched.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "store_corrupt" } },
               { name = "Server-Isolation", state = "active" } },
}]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked" } },
      actions = { registry_deletes = 0 },
      advice_first = 'mend fix "Corp-QM" --allow registry' },
    { args = { "fix", "Corp-QM", "--allow", "registry" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "registry" } },
      actions = { registry_deletes = 1, service_restarts = 1 },
      advice = { ".reg" },
      check = function(t, res, work)
        local files = t.listdir(work .. "/state/backups")
        t.eq(#files, 1, "backup files")
        t.check(files[1] and files[1]:find("ipsecPolicy{", 1, true), "backup is the policy's key: %s", tostring(files[1]))
        local st = t.load_state(work .. "/state.lua")
        t.check(t.state_policy(st, "Server-Isolation") ~= nil, "Server-Isolation must survive")
        t.check(t.state_policy(st, "Corp-QM") == nil, "Corp-QM must be gone")
      end },
  },
}
