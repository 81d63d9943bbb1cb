-- Several blockers on several policies in one run: every rung once for its set, one PolicyAgent
-- restart for the three rungs that need one, every policy fixed, the healthy policy untouched.
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  runs = {
    { args = { "fix", "--allow", "all" }, exit = 0, outcome = "fixed", count = 8,
      policies = {
        ["QM-Purge"] = { outcome = "fixed", rung = "delete" },
        ["QM-Gpo"] = { outcome = "fixed", rung = "gpupdate" },
        ["QM-Stale"] = { outcome = "fixed", rung = "restart" },
        ["QM-Held"] = { outcome = "fixed", rung = "handle_check" },
        ["QM-Assigned"] = { outcome = "fixed", rung = "unassign" },
        ["QM-Offload"] = { outcome = "fixed", rung = "offload" },
        ["QM-Corrupt"] = { outcome = "fixed", rung = "registry" },
        ["QM-Driver"] = { outcome = "fixed", rung = "reboot" },
      },
      actions = { gpupdates = 1, reboots = 1, kills = 1, registry_deletes = 1, unassigns = 1, offload_changes = 1,
                  service_restarts = 1 },
      check = function(t, res, work)
        local st = t.load_state(work .. "/state.lua")
        t.check(#st.policies == 1 and st.policies[1].name == "Server-Active", "only Server-Active is left")
        t.eq(st.policies[1] and st.policies[1].state, "active", "Server-Active state")
      end },
  },
}
