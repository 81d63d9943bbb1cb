-- What the ladder cannot get past ends `failed` (or `reboot_required`) with a reason, never a
-- crash: a holder that cannot be stopped, no rights to delete, a PolicyAgent that ignores stop.
return {
  test = function(t, work)
    t.write(work .. "/state.lua", [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles = { { pid = 4242, policy = "Corp-QM" } },
  faults = { unkillable = { "vpnagent.exe" } },
}]])
    local res = t.mend(work, { "fix", "Corp-QM", "--allow", "kill,reboot" })
    t.expect(res, { exit = 1, policies = { ["Corp-QM"] = { outcome = "failed" } }, actions = { reboots = 0, kills = 0 },
                    advice = { "could not stop vpnagent.exe (pid 4242" } }, "unkillable holder")

    t.write(work .. "/state.lua", [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  faults = { access_denied = { "ipsec.delete" } },
}]])
    res = t.mend(work, { "fix", "Corp-QM", "--allow", "all" })
    t.expect(res, { exit = 1, policies = { ["Corp-QM"] = { outcome = "failed" } }, actions = { reboots = 0 },
                    advice = { "elevated" } }, "access denied")

    t.write(work .. "/state.lua", [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
  faults = { ignore_stop = { "PolicyAgent" } },
}]])
    res = t.mend(work, { "fix", "Corp-QM" })
    t.expect(res, { exit = 3, policies = { ["Corp-QM"] = { outcome = "reboot_required" } },
                    advice = { "--allow reboot", "PolicyAgent did not stop in time" } }, "PolicyAgent ignores stop")
    -- svchost.exe hosts other services: advice never tells anyone to end it
    for _, text in ipairs(res.report and res.report.advice or {}) do
      t.check(not text:lower():find("end the svchost"), "advice tells to end svchost: %s", text)
    end
    res = t.mend(work, { "fix", "Corp-QM", "--allow", "reboot" })
    t.expect(res, { exit = 0, policies = { ["Corp-QM"] = { outcome = "fixed", rung = "reboot" } },
                    actions = { reboots = 1 } }, "PolicyAgent ignores stop, reboot allowed")
  end,
}
