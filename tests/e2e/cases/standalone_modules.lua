-- handle_check.lua and offload.lua also run on their own: the first lists holders and changes
-- nothing; the second explains, and turns offload off only with --allow nic.
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    local before = t.normalize(work)
    local res = t.mend(work, { "run", t.SRC .. "/scripts/handle_check.lua", "QM-Held", "QM-Purge" })
    t.expect(res, { exit = 1, actions = { kills = 0 },
                    stderr = { "QM-Held: held by lsass.exe (pid 700", "normal, left alone",
                               "QM-Held: held by vpnagent.exe (pid 4242, Cisco AnyConnect / Secure Client): blocks the delete",
                               "QM-Purge: no process holds its store key" } }, "handle_check.lua")
    t.check(t.read(work .. "/state.lua") == before, "handle_check.lua changed the state file")

    res = t.mend(work, { "run", t.SRC .. "/scripts/offload.lua" })
    t.expect(res, { exit = 1, actions = { offload_changes = 0, adapter_restarts = 0, service_restarts = 0 },
                    advice = { "IPsec task offload is on for Ethernet0", "mend run --allow nic scripts/offload.lua" } },
             "offload.lua refused")
    res = t.mend(work, { "run", "--allow", "nic", t.SRC .. "/scripts/offload.lua" })
    t.expect(res, { exit = 0, actions = { offload_changes = 1, adapter_restarts = 1, service_restarts = 1 } },
             "offload.lua allowed")
    for _, n in ipairs(t.load_state(work .. "/state.lua").nics) do
      t.check(not n.ipsec_offload, "%s still offloads", n.name)
    end
    -- The restart with offload off freed QM-Offload: a plain delete now works.
    res = t.mend(work, { "fix", "QM-Offload" })
    t.expect(res, { exit = 0, policies = { ["QM-Offload"] = { outcome = "fixed", rung = "delete" } } }, "after offload.lua")
  end,
}
