-- Blocker row "orphan_filter": a filter still plumbed for a deleted policy keeps its quick-mode
-- policy pending deletion in the SPD, so the delete answers 0x32DF. check names the filter; a
-- dry run plans the filter delete and changes nothing; fix without the service gate is blocked
-- and says how to allow it; with it, the spd_orphan_filter rung deletes that one filter, the
-- quick-mode policy goes with it and the delete goes through: no restart, no reboot, and the
-- assigned policy's filter and SAs are untouched.
return {
  scenario = "scenarios/tests/orphan_filter.lua",
  test = function(t, work)
    local res = t.mend(work, { "check", "Old-VPN" })
    t.expect(res, { exit = 1, policies = { ["Old-VPN"] = { outcome = "blocked", before = "pending_deletion" } },
                    advice = { "its quick-mode policy 'Old-VPN filter action' is pending deletion in the SPD, still "
                               .. "referenced by the filter Old-VPN filter list (mend fix deletes it with --allow service)",
                               'mend fix "Old-VPN" --allow service' } }, "check")
    local blockers
    for _, s in ipairs(t.policy(res.report, "Old-VPN").steps or {}) do
      if s.action == "diagnose" then blockers = table.concat(s.blockers or {}, ",") end
    end
    t.eq(blockers, "orphan_filter,event", "check's blockers")

    local before = t.read(work .. "/state.lua")
    res = t.mend(work, { "fix", "Old-VPN", "--allow", "service", "--dry-run" })
    t.expect(res, { exit = 0, outcome = "fixed",
                    policies = { ["Old-VPN"] = { outcome = "fixed", rung = "spd_orphan_filter" } },
                    actions = { spd_filter_deletes = 1, deletes = 1, service_restarts = 0, reboots = 0 } }, "dry run")
    t.check(t.read(work .. "/state.lua") == before, "the dry run changed the state file")

    res = t.mend(work, { "fix", "Old-VPN" })
    t.expect(res, { exit = 1, outcome = "failed",
                    policies = { ["Old-VPN"] = { outcome = "blocked", rung = "spd_orphan_filter" } },
                    actions = { spd_filter_deletes = 0, service_restarts = 0, reboots = 0 },
                    advice = { "deleting the SPD filter that keeps its quick-mode policy pending deletion",
                               "--allow", "service" } }, "fix, gate shut")
    local st = t.load_state(work .. "/state.lua")
    t.check(table.concat(t.state_policy(st, "Old-VPN").blockers or {}, ",") == "orphan_filter",
            "the refused run left the filter")

    res = t.mend(work, { "fix", "Old-VPN", "--allow", "service" })
    t.expect(res, { exit = 0, outcome = "fixed",
                    policies = { ["Old-VPN"] = { outcome = "fixed", rung = "spd_orphan_filter", before = "pending_deletion" } },
                    actions = { spd_filter_deletes = 1, deletes = 1, spd_sa_deletes = 0, spd_qm_deletes = 0,
                                unassigns = 0, service_restarts = 0, reboots = 0 } }, "fix, gate open")
    local deleted = {}
    for _, s in ipairs(res.report.steps or {}) do
      if s.action == "spd.delete_filter" then deleted[#deleted + 1] = s end
    end
    for _, p in ipairs(res.report.policies or {}) do
      for _, s in ipairs(p.steps or {}) do
        if s.action == "spd.delete_filter" then deleted[#deleted + 1] = s end
      end
    end
    t.eq(#deleted, 1, "one filter deleted")
    t.check(deleted[1] and deleted[1].message:find("transport filter 'Old-VPN filter list'", 1, true),
            "the step names the filter: %s", deleted[1] and deleted[1].message)
    st = t.load_state(work .. "/state.lua")
    t.eq(t.state_policy(st, "Old-VPN"), nil, "Old-VPN is gone")

    -- Both kinds of reference: one run drops the SAs, then deletes the filter.
    res = t.mend(work, { "fix", "Old-Both", "--allow", "service" })
    t.expect(res, { exit = 0, outcome = "fixed",
                    policies = { ["Old-Both"] = { outcome = "fixed", rung = "spd_orphan_filter" } },
                    actions = { spd_sa_deletes = 1, spd_filter_deletes = 1, deletes = 1, spd_qm_deletes = 0,
                                service_restarts = 0, reboots = 0 } }, "fix, SAs and filter")
    st = t.load_state(work .. "/state.lua")
    t.eq(t.state_policy(st, "Old-Both"), nil, "Old-Both is gone")
    local live = t.state_policy(st, "Corp-Live")
    t.check(live and live.assigned == true and live.sa_count == 2, "Corp-Live still assigned with its 2 SAs")
    local script = work .. "/filters.lua"
    local fh = assert(io.open(script, "w"))
    fh:write("local f = spd.filters(); print(#f, f[1].name)\n")
    fh:close()
    res = t.mend(work, { "run", script }, { json = false })
    t.check(res.stdout and res.stdout:find("1\tCorp%-Live filter list"), "the SPD keeps Corp-Live's filter only: %s",
            tostring(res.stdout))
  end,
}
