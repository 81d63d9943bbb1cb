-- scripts/examples/recreate_policy.lua: a create right after the delete fails with 0x32DF, the
-- script waits (simulated clock) and creates; a stuck assigned policy is cleared by the ladder
-- first and the new one assigned again.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "active", description = "old" },
               { name = "Stuck-QM", state = "pending_deletion", assigned = true } },
}]],
  test = function(t, work)
    local script = t.SRC .. "/scripts/examples/recreate_policy.lua"
    local res = t.mend(work, { "run", script, "Corp-QM", "Quick mode for corp" })
    t.expect(res, { exit = 0, policies = { ["Corp-QM"] = { outcome = "fixed", rung = "recreate", after = "active" } },
                    actions = { deletes = 1, creates = 1 },
                    stderr = { "0x32DF", "waiting 5 seconds" } }, "recreate an active policy")
    local p = t.state_policy(t.load_state(work .. "/state.lua"), "Corp-QM")
    t.check(p and p.state == "active" and p.description == "Quick mode for corp", "Corp-QM recreated with its description")
    res = t.mend(work, { "run", script, "Stuck-QM" })
    t.expect(res, { exit = 0, policies = { ["Stuck-QM"] = { outcome = "fixed", rung = "recreate" } },
                    actions = { unassigns = 1, creates = 1, assigns = 1 } }, "recreate a stuck assigned policy")
    p = t.state_policy(t.load_state(work .. "/state.lua"), "Stuck-QM")
    t.check(p and p.state == "active" and p.assigned == true, "Stuck-QM recreated and assigned again")
    res = t.mend(work, { "run", script }, { json = false })
    t.eq(res.rc, 2, "exit code without a name")
  end,
}
