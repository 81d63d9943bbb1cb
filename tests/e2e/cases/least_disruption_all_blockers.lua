-- The least disruption: every blocker kind at once (alone and two on one policy) is fixed with
-- one PolicyAgent restart, one gpupdate and one reboot. What must come before the restart (the
-- holder stopped, offload off, the store entries removed) is done first; then the restart
-- serves all of them, and each policy still climbs from the least drastic remedy up.
local function order_of(report)
  local at = {}
  for i, s in ipairs(report.steps or {}) do at[s.action] = at[s.action] or i end
  return at
end

return {
  scenario = "scenarios/tests/all_blockers.lua",
  runs = {
    { args = { "fix", "--all-pending", "--allow", "all" }, exit = 0, outcome = "fixed", count = 10,
      policies = {
        ["QM-Gpo"] = { outcome = "fixed", rung = "gpupdate" },
        ["QM-Stale"] = { outcome = "fixed", rung = "restart" },
        ["QM-Held"] = { outcome = "fixed", rung = "handle_check" },
        ["QM-Offload"] = { outcome = "fixed", rung = "offload" },
        ["QM-Corrupt"] = { outcome = "fixed", rung = "registry" },
        ["QM-Driver"] = { outcome = "fixed", rung = "reboot" },
        ["QM-Assigned-Stale"] = { outcome = "fixed", rung = "restart" },
        ["QM-Held-Gpo"] = { outcome = "fixed", rung = "gpupdate" },
        ["QM-Offload-Stale"] = { outcome = "fixed", rung = "offload" },
        ["QM-Corrupt-Gpo"] = { outcome = "fixed", rung = "registry" },
      },
      actions = { service_restarts = 1, gpupdates = 1, reboots = 1, kills = 1, unassigns = 1,
                  offload_changes = 1, registry_deletes = 2 },
      check = function(t, res, work)
        local at = order_of(res.report)
        for _, before in ipairs({ "proc.kill", "nic.set_ipsec_offload" }) do
          t.check(at[before] and at["svc.restart"] and at[before] < at["svc.restart"],
                  "%s comes before the PolicyAgent restart", before)
        end
        t.check(at["svc.restart"] < at["sys.gpupdate"] and at["sys.gpupdate"] < at["sys.reboot"],
                "restart, then gpupdate, then the reboot")
        for _, s in ipairs(res.report.steps) do
          if s.action == "svc.restart" then t.eq(s.policies, 7, "policies the one restart served") end
        end
        -- The store removals are per policy: both before the restart.
        local removed_before = 0
        for _, name in ipairs({ "QM-Corrupt", "QM-Corrupt-Gpo" }) do
          for _, s in ipairs(t.policy(res.report, name).steps) do
            if s.action == "ipsec.remove_from_store" and s.ok then removed_before = removed_before + 1 end
          end
        end
        t.eq(removed_before, 2, "store removals")
        local st = t.load_state(work .. "/state.lua")
        t.check(#st.policies == 1 and st.policies[1].name == "Server-Isolation", "only Server-Isolation is left")
      end },
  },
}
