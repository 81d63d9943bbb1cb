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
    -- A run that ends needing a reboot records, in mend's state folder, which policies it left
    -- stuck and in which boot; --resume checks that record, not the flag.
    t.write(work .. "/state.lua", [[
return {
  policies = { { name = "Gone-QM", state = "pending_deletion", blockers = { "driver_state" } },
               { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } },
  processes = { { pid = 4, name = "System" }, { pid = 5120, name = "vpnagent.exe", autostart = true } },
  handles = { { pid = 5120, policy = "Corp-QM" } },
}]])
    local res = t.mend(work, { "fix", "Gone-QM", "Corp-QM", "--allow", "kill" })
    t.expect(res, { exit = 3, policies = { ["Gone-QM"] = { outcome = "reboot_required" },
                                           ["Corp-QM"] = { outcome = "reboot_required" } } }, "needs a reboot")
    t.check(t.exists(work .. "/state/resume.json"), "the run recorded what it left stuck")
    -- Resumed before any reboot: nothing is called fixed by one, and the advice says so.
    res = t.mend(work, { "fix", "--resume", "Gone-QM", "Corp-QM", "--allow", "kill" })
    t.expect(res, { exit = 3, actions = { reboots = 0 }, policies = { ["Gone-QM"] = { outcome = "reboot_required" } },
                    advice = { "has not restarted since" } }, "resume without a reboot")
    t.check(t.exists(work .. "/state/resume.json"), "the record is kept until the reboot")
    t.check(not (res.report and t.advice_has(res.report, "even after a reboot")), "no 'even after a reboot'")
    -- The machine reboots (the VPN client comes back and holds Corp-QM again) ...
    t.write(work .. "/boot.lua", "assert(sys.reboot{ reason = 'test' }) return 0\n")
    t.mend(work, { "run", "--allow", "reboot", work .. "/boot.lua" }, { json = false })
    -- ... with the boot task that started this run still registered: the run removes it first.
    t.write(work .. "/task.lua", "assert(reg.set([[" .. TASK .. "]], 'Arguments', 'fix --resume')) return 0\n")
    t.mend(work, { "run", "--allow", "registry", work .. "/task.lua" }, { json = false })
    res = t.mend(work, { "fix", "--resume", "Gone-QM", "Corp-QM", "Typo-QM", "--allow", "kill" })
    t.check(res.stderr:find("sys.clear_resume \\mend\\resume ok - removed the scheduled task", 1, true) ~= nil,
            "the resumed run removes its task:\n%s", res.stderr)
    t.eq((t.load_state(work .. "/state.lua").registry or {})[TASK], nil, "the task is gone after the resume")
    t.expect(res, { exit = 1, outcome = "not_found", actions = { reboots = 0, kills = 1 },
                    policies = { ["Gone-QM"] = { outcome = "fixed", rung = "reboot", before = "pending_deletion" },
                                 ["Corp-QM"] = { outcome = "fixed", rung = "handle_check" },
                                 ["Typo-QM"] = { outcome = "not_found", before = "absent" } } }, "resume")
    t.check(not t.exists(work .. "/state/resume.json"), "the record is spent")
    -- A name --resume was never told about (a typo) is not_found, never "fixed by the reboot".
    res = t.mend(work, { "fix", "--resume", "Corp-QM" })
    t.expect(res, { exit = 1, policies = { ["Corp-QM"] = { outcome = "not_found", before = "absent" } },
                    advice = { "no earlier run on this machine asked for a reboot" } }, "resume with no record")
    -- A resume after the reboot never reboots again (no reboot loops): what only a reboot could
    -- clear and is back after one ends failed. The record says boot 1; the machine is in boot 2.
    t.write(work .. "/state.lua", [[
return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } } }]])
    t.mend(work, { "fix", "Corp-QM" })
    t.write(work .. "/state.lua", [[
return { runtime = { boot_count = 2 },
         policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } } }]])
    res = t.mend(work, { "fix", "--resume", "Corp-QM", "--allow", "reboot" })
    t.expect(res, { exit = 1, actions = { reboots = 0 }, policies = { ["Corp-QM"] = { outcome = "failed" } },
                    advice = { "even after a reboot" } }, "resume, still stuck")
    -- A record with bytes after its JSON document is not used, and the run says so.
    t.write(work .. "/state.lua", [[
return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "driver_state" } } } }]])
    t.mend(work, { "fix", "Corp-QM" })
    local f = assert(io.open(work .. "/state/resume.json", "ab"))
    f:write("{}")
    f:close()
    res = t.mend(work, { "fix", "--resume", "Corp-QM" })
    t.check(res.stderr:find("state/resume.json is not usable (2 bytes follow its JSON document, from byte offset", 1, true) ~= nil,
            "a record with bytes after it:\n%s", res.stderr)
    t.expect(res, { advice = { "no earlier run on this machine asked for a reboot" } }, "resume with a damaged record")
  end,
}
