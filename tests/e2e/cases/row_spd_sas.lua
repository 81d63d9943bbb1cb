-- Blocker row "spd_sas": the delete answers 0x32DF while quick-mode SAs keep the policy's
-- quick-mode policy pending deletion in the SPD. check says where it is stuck (the SPD, the
-- event log); fix without the service gate is blocked and says how to allow it; with it, the
-- spd_sas rung drops the SAs once and the delete goes through: no restart, no reboot. Every 0x32DF
-- answer is in the event log, kept with the state.
return {
  scenario = "scenarios/tests/spd_sas.lua",
  test = function(t, work)
    local res = t.mend(work, { "check" })
    t.expect(res, { exit = 1, policies = { ["Corp-QM"] = { outcome = "blocked", before = "pending_deletion" } },
                    advice = { "its quick-mode policy 'Corp-QM filter action' is pending deletion in the SPD, kept by 3 SAs",
                               "the event log reported 0x32DF (13023) for it 1 time this week",
                               'mend fix "Corp-QM" --allow service' } }, "check")
    local where
    for _, s in ipairs(t.policy(res.report, "Corp-QM").steps or {}) do
      if s.action == "diagnose" then where = table.concat(s.where or {}, ",") end
    end
    t.eq(where, "store,spd_qm_pending,event", "check's diagnosis names every source")

    res = t.mend(work, { "fix", "Corp-QM" })
    t.expect(res, { exit = 1, outcome = "failed",
                    policies = { ["Corp-QM"] = { outcome = "blocked", rung = "spd_sas" } },
                    actions = { spd_sa_deletes = 0, service_restarts = 0, reboots = 0 },
                    advice = { "dropping the IPsec SAs of its quick-mode policy", "--allow", "service" } }, "fix, gate shut")
    local st = t.load_state(work .. "/state.lua")
    t.eq(#(st.events or {}), 2, "the seeded event and the refused run's delete (0x32DF)")

    res = t.mend(work, { "fix", "Corp-QM", "--allow", "service" })
    t.expect(res, { exit = 0, outcome = "fixed",
                    policies = { ["Corp-QM"] = { outcome = "fixed", rung = "spd_sas", before = "pending_deletion" } },
                    actions = { spd_sa_deletes = 1, deletes = 1, service_restarts = 0, reboots = 0 } }, "fix, gate open")
    st = t.load_state(work .. "/state.lua")
    t.eq(t.state_policy(st, "Corp-QM"), nil, "Corp-QM is gone")
    t.eq(#(st.events or {}), 3, "the log keeps every 0x32DF answer")
    t.eq(st.events[3].policy, "Corp-QM")
    t.eq(st.events[3].code, 13023)
  end,
}
