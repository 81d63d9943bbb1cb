-- README's first command: `mend sim reset` then `mend fix --allow kill,nic,registry` on the
-- demo machine (default simulator state) walks the ladder and fixes every stuck policy; the
-- healthy assigned policy and lsass.exe stay.
return {
  test = function(t, work)
    local res = t.mend(work, { "sim", "reset" }, { host = false, json = false })
    t.eq(res.rc, 0, "mend sim reset exit code")
    local demo = t.load_state(t.SRC .. "/scenarios/demo.lua")
    local stuck = {}
    for _, p in ipairs(demo.policies) do
      if p.state == "pending_deletion" then stuck[#stuck + 1] = p.name end
    end
    res = t.mend(work, { "fix", "--allow", "kill,nic,registry" }, { host = false })
    t.expect(res, { exit = 0, outcome = "fixed", count = #stuck, actions = { service_restarts = 1 },
                    actions_max = { gpupdates = 1, reboots = 0 } }, "demo fix")
    local rungs = {}
    for _, name in ipairs(stuck) do
      local p = t.policy(res.report, name)
      t.check(p and p.outcome == "fixed", "demo: %s not fixed", name)
      if p and p.rung then rungs[p.rung] = true end
    end
    for _, rung in ipairs({ "delete", "gpupdate", "restart", "handle_check", "offload" }) do
      t.check(rungs[rung], "the demo should show rung %s", rung)
    end
    local st = t.load_state(work .. "/state/sim-state.lua")
    local iso = t.state_policy(st, "Server-Isolation")
    t.check(iso and iso.state == "active" and iso.assigned, "Server-Isolation must stay active and assigned")
    -- The VPN agent depends on PolicyAgent: the one restart of the ladder brings it back.
    local vpn = st.services and st.services.VpnAgent
    t.check(vpn and vpn.state == "running", "the demo's VpnAgent must run after the fix")
    t.check((res.report.actions.service_starts or 0) >= 1, "the VpnAgent start is counted")
    local lsass = false
    for _, p in ipairs(st.processes) do lsass = lsass or p.name == "lsass.exe" end
    t.check(lsass, "lsass.exe must still run")
    -- The human output (no --json) shows the steps and the summary table.
    res = t.mend(work, { "sim", "reset" }, { host = false, json = false })
    res = t.mend(work, { "fix", "--allow", "kill,nic,registry" }, { host = false, json = false })
    t.eq(res.rc, 0, "demo fix (text) exit code")
    t.check(res.stderr:find("[handle_check]", 1, true) and res.stdout:find("OUTCOME", 1, true),
            "text output lacks the steps or the summary:\n%s\n%s", res.stdout, res.stderr)
  end,
}
