-- Holder + assigned. Without --allow kill the unassign rung (no gate) still runs, and the policy
-- is blocked only by the holder; the rerun with --allow kill stops it and the delete goes
-- through. With --allow kill from the start, both rungs act in one run.
local scenario = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", assigned = true } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "PanGPS.exe", autostart = false } },
  handles = { { pid = 4242, policy = "Corp-QM" } },
}]]
return {
  scenario_text = scenario,
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 1, policies = { ["Corp-QM"] = { outcome = "blocked" } },
      actions = { unassigns = 1, kills = 0 },
      advice_first = 'mend fix "Corp-QM" --allow kill', advice = { "Palo Alto GlobalProtect" } },
    { args = { "fix", "Corp-QM", "--allow", "kill" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "handle_check" } },
      actions = { kills = 1, unassigns = 0 } },
  },
  test = function(t, work)
    t.write(work .. "/state.lua", scenario)
    local res = t.mend(work, { "fix", "Corp-QM", "--allow", "kill" })
    t.expect(res, { exit = 0, outcome = "fixed", policies = { ["Corp-QM"] = { outcome = "fixed", rung = "unassign" } },
                    actions = { kills = 1, unassigns = 1 } }, "holder and assignment in one run")
  end,
}
