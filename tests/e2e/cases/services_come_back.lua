-- Services that depend on PolicyAgent come back after the ladder restarts it (SCM never starts
-- them again); one that does not makes the run partial with the command that starts it; `mend
-- check` flags an automatic-start dependent that is stopped.
local function svc_state(t, work, name)
  local st = t.load_state(work .. "/state.lua")
  for sname, s in pairs(st.services or {}) do
    if sname:lower() == name:lower() then return s.state end
  end
end

return {
  scenario_text = [[return {
    policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
    services = { VpnAgent = { display_name = "Contoso VPN Agent", depends_on = { "PolicyAgent" } },
                 VpnTray = { depends_on = { "VpnAgent" } },
                 Manual = { state = "stopped", start_type = "demand", depends_on = { "PolicyAgent" } } } }]],
  runs = {
    { args = { "check" }, exit = 1 },
    -- Dry-run: the same counts as the real run, nothing changes.
    { args = { "fix", "Corp-QM", "--dry-run" }, exit = 0, outcome = "fixed",
      actions = { service_restarts = 1, service_stops = 2, service_starts = 2 } },
    { args = { "fix", "Corp-QM" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "restart" } },
      actions = { service_restarts = 1, service_stops = 2, service_starts = 2 },
      check = function(t, res, work)
        local back = {}
        for _, s in ipairs(res.report.steps) do
          if s.action == "svc.start" and s.ok then back[#back + 1] = s.target end
        end
        t.eq(table.concat(back, ","), "VpnAgent,VpnTray", "one step per dependent brought back, dependencies first")
        t.eq(svc_state(t, work, "VpnAgent"), "running", "VpnAgent after the fix")
        t.eq(svc_state(t, work, "VpnTray"), "running", "VpnTray after the fix")
        t.eq(svc_state(t, work, "Manual"), "stopped", "a dependent that was stopped stays stopped")
        for _, a in ipairs(res.report.advice) do
          t.check(not a:lower():find("svchost", 1, true), "advice mentions svchost: %s", a)
        end
      end },
  },
  test = function(t, work)
    -- A plan records the one restart, no svc.start of its own; applying it brings the dependents back.
    local scenario = [[return {
      policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
      services = { VpnAgent = { depends_on = { "PolicyAgent" } } } }]]
    t.write(work .. "/state.lua", scenario)
    local res = t.mend(work, { "fix", "Corp-QM", "--plan", work .. "/plan.json" })
    t.eq(res.rc, 0, "fix --plan exit code")
    local plan = t.decode(t.read(work .. "/plan.json") or "{}")
    local calls = {}
    for _, a in ipairs(plan.actions or {}) do calls[#calls + 1] = a.call end
    calls = table.concat(calls, ",")
    t.check(calls:find("svc.restart", 1, true) and not calls:find("svc.start", 1, true),
            "the plan holds the restart and no svc.start: %s", calls)
    res = t.mend(work, { "apply", work .. "/plan.json" })
    t.eq(res.rc, 0, "apply exit code\n" .. res.stderr)
    t.eq(svc_state(t, work, "VpnAgent"), "running", "VpnAgent after apply")
    t.eq(res.report and res.report.actions.service_starts, 1, "apply counts the dependent's start")

    -- A stopped automatic-start dependent: check exits 1 naming it and the command that starts it.
    t.write(work .. "/state.lua", [[return { services = {
      VpnAgent = { display_name = "Contoso VPN Agent", state = "stopped", depends_on = { "PolicyAgent" } },
      Manual = { state = "stopped", start_type = "demand", depends_on = { "PolicyAgent" } } } }]])
    res = t.mend(work, { "check" })
    t.eq(res.rc, 1, "check with a stopped VpnAgent")
    t.eq(res.report and res.report.outcome, "failed", "the report agrees with the exit code")
    t.check(t.advice_has(res.report, "VpnAgent (Contoso VPN Agent) depends on PolicyAgent and is stopped"),
            "check advice: %s", table.concat(res.report and res.report.advice or {}, "\n"))
    t.check(t.advice_has(res.report, "start_service.lua \"VpnAgent\""), "check names the command")
    t.check(not t.advice_has(res.report, "Manual"), "a demand-start dependent is not a problem")
    res = t.mend(work, { "run", "--allow", "service", t.SRC .. "/scripts/examples/start_service.lua", "VpnAgent" })
    t.eq(res.rc, 0, "the advised command starts it")
    res = t.mend(work, { "check" })
    t.eq(res.rc, 0, "check once it runs")

    -- A dependent that cannot start again: the policy is fixed, the run partial, advice says how.
    t.write(work .. "/state.lua", [[return {
      policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
      services = { VpnAgent = { depends_on = { "PolicyAgent" } } },
      faults = { access_denied = { "svc.start:VpnAgent" } } }]])
    res = t.mend(work, { "fix", "Corp-QM" })
    t.expect(res, { exit = 1, outcome = "partial", policies = { ["Corp-QM"] = { outcome = "fixed" } },
                    actions = { service_restarts = 1, service_starts = 0 },
                    advice = { "VpnAgent depends on PolicyAgent and did not start again", "start_service.lua \"VpnAgent\"" } },
             "a dependent stays down")
    t.eq(svc_state(t, work, "VpnAgent"), "stopped", "VpnAgent stays down")
  end,
}
