-- The reboot rung: registers `mend fix --resume`, reboots once, verifies after boot and climbs on
-- for what came back (an autostart VPN client). Then --resume on a machine after boot.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } },
               { name = "Other-QM", state = "pending_deletion", blockers = { "driver_state" } } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe", autostart = true } },
  handles = { { pid = 4242, policy = "Corp-QM" }, { pid = 700, policy = "Corp-QM" } },
}]],
  runs = {
    { args = { "fix", "--allow", "kill,reboot" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "handle_check" },
                   ["Other-QM"] = { outcome = "fixed", rung = "reboot" } },
      actions = { reboots = 1, kills = 2 },
      stderr = { 'fix --resume "Corp-QM" "Other-QM" "--allow" "kill"', "still pending deletion after the reboot",
                 "gone after the reboot" },
      check = function(t, res, work)
        local st = t.load_state(work .. "/state.lua")
        t.eq(#(st.policies or {}), 0, "policies left")
        for _, p in ipairs(st.processes) do
          if p.name == "lsass.exe" then t.check(p.pid ~= nil, "lsass present") end
        end
      end },
  },
  test = function(t, work)
    -- After boot: one policy the reboot cleared, one whose VPN client came back.
    t.write(work .. "/state.lua", [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 5120, name = "vpnagent.exe" } },
  handles = { { pid = 5120, policy = "Corp-QM" } },
}]])
    local res = t.mend(work, { "fix", "--resume", "Gone-QM", "Corp-QM", "--allow", "kill" })
    t.expect(res, { exit = 0, outcome = "fixed", actions = { reboots = 0, kills = 1 },
                    policies = { ["Gone-QM"] = { outcome = "fixed", rung = "reboot", before = "pending_deletion" },
                                 ["Corp-QM"] = { outcome = "fixed", rung = "handle_check" } } }, "resume")
    -- A resume never reboots again: what only a reboot could clear ends failed.
    t.write(work .. "/state.lua", [[
return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } } }]])
    res = t.mend(work, { "fix", "--resume", "Corp-QM", "--allow", "reboot" })
    t.expect(res, { exit = 1, actions = { reboots = 0 }, policies = { ["Corp-QM"] = { outcome = "failed" } },
                    advice = { "even after a reboot" } }, "resume, still stuck")
  end,
}
