-- A batch of 1,000 mixed stuck policies (a generated scenario): one gpupdate in all, one
-- PolicyAgent restart per rung at most, one kill for the VPN client that holds 100 of them,
-- at most one reboot, and every policy fixed.
return {
  scenario = "tests/e2e/scenarios/mixed_1000.lua",
  test = function(t, work)
    local names = {}
    for _, p in ipairs(t.load_state(work .. "/state.lua").policies) do names[#names + 1] = p.name end
    t.eq(#names, 1000, "policies in the generated scenario")
    t.write(work .. "/list.txt", table.concat(names, "\n") .. "\n")
    local res = t.mend(work, { "batch", work .. "/list.txt", "--allow", "all" })
    t.expect(res, { exit = 0, outcome = "fixed", count = 1000,
                    actions = { gpupdates = 1, kills = 1, reboots = 1, offload_changes = 1 } }, "batch of 1000")
    local r = res.report
    if not r then return end
    local restarts, by_rung = 0, {}
    for _, s in ipairs(r.steps or {}) do
      if s.action == "svc.restart" then
        restarts = restarts + 1
        by_rung[s.rung] = (by_rung[s.rung] or 0) + 1
      end
    end
    for rung, n in pairs(by_rung) do t.check(n == 1, "rung %s restarted PolicyAgent %d times", rung, n) end
    t.eq(restarts, r.actions.service_restarts, "restart steps vs actions.service_restarts")
    t.check(restarts <= 3, "%d PolicyAgent restarts for 1000 policies", restarts)
    local fixed_by = {}
    for _, p in ipairs(r.policies) do fixed_by[p.rung or "?"] = (fixed_by[p.rung or "?"] or 0) + 1 end
    for _, rung in ipairs({ "delete", "gpupdate", "restart", "handle_check", "unassign", "offload", "registry", "reboot" }) do
      t.check((fixed_by[rung] or 0) > 0, "no policy was fixed by rung %s", rung)
    end
    t.eq(#(t.load_state(work .. "/state.lua").policies or {}), 0, "policies left")
  end,
}
