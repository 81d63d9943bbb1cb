-- A healthy (active, assigned) policy named next to a stuck one is reported healthy and left as it was.
return {
  scenario_text = [[
return {
  policies = { { name = "Server-Isolation", state = "active", assigned = true, sa_count = 12 },
               { name = "Corp-QM", state = "pending_deletion" } },
}]],
  runs = {
    { args = { "fix", "Server-Isolation", "Corp-QM", "--allow", "all" }, exit = 0, outcome = "fixed",
      policies = { ["Server-Isolation"] = { outcome = "healthy", before = "active", after = "active" },
                   ["Corp-QM"] = { outcome = "fixed" } },
      actions = { deletes = 1, unassigns = 0, gpupdates = 0, service_restarts = 0, reboots = 0 },
      check = function(t, res, work)
        local p = t.state_policy(t.load_state(work .. "/state.lua"), "Server-Isolation")
        t.check(p and p.state == "active" and p.assigned == true, "Server-Isolation must stay active and assigned")
      end },
    -- Only healthy policies named: exit 0, nothing done.
    { args = { "fix", "Server-Isolation" }, exit = 0, outcome = "healthy", actions = { deletes = 0 } },
  },
}
