-- The reboot rung: registers `mend fix --resume`, reboots once, verifies after boot and climbs on
-- for what came back (an autostart VPN client). Then --resume on a machine after boot.
local TASK = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\mend\\resume"
local RUNONCE = "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce"
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
                 "gone after the reboot", "sys.clear_resume \\mend\\resume ok" },
      check = function(t, res, work)
        local st = t.load_state(work .. "/state.lua")
        t.eq(#(st.policies or {}), 0, "policies left")
        -- the boot task ran and the run that went on after the boot removed it; nothing in RunOnce
        t.eq((st.registry or {})[TASK], nil, "the resume task is gone")
        t.eq((st.registry or {})[RUNONCE], nil, "RunOnce untouched")
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
    -- ... with the boot task that started this run still registered: the run removes it first.
    local seeded = t.read(work .. "/state.lua"):gsub("^return {", "return {\n  registry = { [ [[" .. TASK
      .. "]] ] = { Path = [[C:\\mend\\mend.exe]], Arguments = [[fix --resume]], Trigger = 'Boot', Runs = 1 } },", 1)
    t.write(work .. "/state.lua", seeded)
    local res = t.mend(work, { "fix", "--resume", "Gone-QM", "Corp-QM", "--allow", "kill" })
    t.check(res.stderr:find("sys.clear_resume \\mend\\resume ok - removed the scheduled task", 1, true) ~= nil,
            "the resumed run removes its task:\n%s", res.stderr)
    t.eq((t.load_state(work .. "/state.lua").registry or {})[TASK], nil, "the task is gone after the resume")
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
