-- `mend check`: read-only diagnosis. Exit 1 when something is stuck, with the visible blockers
-- (holder classified, assignment, offload, stale memory) and the fix command; the state file
-- is byte-for-byte the same afterwards; exit 0 on a healthy machine.
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    local before = t.normalize(work)
    local res = t.mend(work, { "check" })
    t.expect(res, { exit = 1, count = 8,
      policies = { ["QM-Held"] = { outcome = "blocked", before = "pending_deletion", after = "pending_deletion" },
                   ["QM-Stale"] = { before = "pending_deletion" } },
      actions = { deletes = 0, gpupdates = 0, service_restarts = 0, kills = 0, registry_deletes = 0,
                  unassigns = 0, offload_changes = 0, reboots = 0 },
      advice = { 'QM-Held is pending deletion', "vpnagent.exe (pid 4242, Cisco AnyConnect", "--allow kill",
                 "gone from the store but still in the Policy Agent's memory", "assigned",
                 "IPsec task offload is on for Ethernet0",
                 'To fix everything found: mend fix "QM-Assigned" "QM-Corrupt" "QM-Driver" "QM-Gpo" "QM-Held" '
                 .. '"QM-Offload" "QM-Purge" "QM-Stale" --allow kill,nic' } }, "check")
    -- Offload is a machine-wide finding: a policy with no visible blocker is not "blocked" by it.
    t.eq(t.policy(res.report, "QM-Purge") and t.policy(res.report, "QM-Purge").outcome, "failed", "QM-Purge outcome")
    t.check(t.read(work .. "/state.lua") == before, "mend check changed the state file")
    t.check(not (t.read(work .. "/state/journal.jsonl") or ""):find('"begin"'), "mend check journaled an action")
    -- The steps name the holder's class: lsass is system, vpnagent a VPN client.
    local held = t.policy(res.report, "QM-Held")
    local classes = {}
    for _, s in ipairs(held and held.steps or {}) do
      for _, h in ipairs(type(s.holders) == "table" and s.holders or {}) do classes[h.process] = h.class end
    end
    t.eq(classes["lsass.exe"], "system", "lsass.exe class")
    t.eq(classes["vpnagent.exe"], "vpn", "vpnagent.exe class")
    -- Named policies: only those; an active one is healthy (exit 0).
    res = t.mend(work, { "check", "Server-Active" })
    t.expect(res, { exit = 0, count = 1, policies = { ["Server-Active"] = { outcome = "healthy" } } }, "check healthy")
    t.check(t.read(work .. "/state.lua") == before, "mend check changed the state file")
    -- After the fix, a check finds nothing.
    t.mend(work, { "fix", "--allow", "all" })
    res = t.mend(work, { "check" })
    t.expect(res, { exit = 0, count = 0 }, "check after fix")
  end,
}
