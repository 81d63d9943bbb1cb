-- scripts/examples/audit.lua: every policy in the report with its holders; nothing changes, even
-- with --allow all; exit 0.
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    local before = t.normalize(work)
    local res = t.mend(work, { "run", "--allow", "all", t.SRC .. "/scripts/examples/audit.lua" })
    t.expect(res, { exit = 0, count = 9,
                    policies = { ["Server-Active"] = { outcome = "healthy" }, ["QM-Held"] = { outcome = "failed" } },
                    actions = { deletes = 0, kills = 0, service_restarts = 0, registry_deletes = 0 } }, "audit")
    t.check(t.read(work .. "/state.lua") == before, "the audit changed the state file")
    local held = t.policy(res.report, "QM-Held")
    local s = held and held.steps and held.steps[1]
    t.check(s and type(s.holders) == "table" and #s.holders == 2, "QM-Held's audit step lists its 2 holders")
    local stale = t.policy(res.report, "QM-Stale")
    t.eq(stale and stale.steps and stale.steps[1].in_store, false, "QM-Stale in_store")
  end,
}
