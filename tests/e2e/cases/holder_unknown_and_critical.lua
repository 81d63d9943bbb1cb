-- Holders (issue 10 point 5): a program that is not a known IPsec/VPN client is reported, never
-- stopped by default, and the advice gives the exact command that allows it; a key handle from
-- an unknown program does not keep a policy in use (Windows deletes the key anyway); a critical
-- process holding a policy is never stopped, whatever is allowed.
local scenario = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" },
               { name = "Notes-QM", state = "pending_deletion" },
               { name = "Vpn-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 88, name = "Registry" }, { pid = 710, name = "LsaIso.exe" },
                { pid = 5000, name = "notepad.exe", autostart = false },
                -- an in-house IKE client mend does not know: Windows keeps the policy in use
                { pid = 6000, name = "contoso-ike.exe", ipsec_client = true, autostart = false },
                -- a VPN client Windows marks critical (its service restarts the computer on failure)
                { pid = 4242, name = "vpnagent.exe", critical = true } },
  handles = { { pid = 700, policy = "Corp-QM" }, { pid = 88, policy = "Corp-QM" },
              { pid = 710, policy = "Corp-QM" }, { pid = 6000, policy = "Corp-QM" },
              { pid = 5000, policy = "Notes-QM" }, { pid = 4242, policy = "Vpn-QM" } },
}]]
return {
  scenario_text = scenario,
  runs = {
    -- even with kill allowed, the unknown holder is only reported; notepad's handle blocks nothing
    { args = { "fix", "Corp-QM", "Notes-QM", "--allow", "kill" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked", after = "pending_deletion", rung = "handle_check" },
                   ["Notes-QM"] = { outcome = "fixed", rung = "delete" } },
      actions = { kills = 0 },
      advice_first = 'mend fix "Corp-QM" --allow kill --stop-holder "contoso-ike.exe"',
      advice = { "contoso-ike.exe (pid 6000", "not a known IPsec/VPN client" },
      check = function(t, res, work)
        local have = t.processes(work)
        t.eq(have["contoso-ike.exe"], 6000, "the unknown holder still runs")
        t.eq(have["notepad.exe"], 5000, "notepad was never stopped")
        for _, text in ipairs(res.report.advice) do
          t.check(not text:lower():find("svchost"), "advice never names svchost: %s", text)
          t.check(not text:find("lsass.exe (pid", 1, true), "advice never offers lsass: %s", text)
        end
      end },
    -- a VPN client Windows marks critical is never stopped; the advice says to stop it from its console
    { args = { "fix", "Vpn-QM", "--allow", "kill" }, exit = 3,
      policies = { ["Vpn-QM"] = { outcome = "reboot_required", after = "pending_deletion" } },
      actions = { kills = 0 },
      advice = { "vpnagent.exe (pid 4242, Cisco AnyConnect / Secure Client, marked critical by Windows) holds Vpn-QM open",
                 "mend never stops it" },
      check = function(t, res, work) t.eq(t.processes(work)["vpnagent.exe"], 4242, "the critical VPN client still runs") end },
    -- --stop-holder without --allow kill: still blocked, the command keeps both
    { args = { "fix", "Corp-QM", "--stop-holder", "contoso-ike.exe" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked", rung = "handle_check" } },
      actions = { kills = 0 },
      advice_first = 'mend fix "Corp-QM" --allow kill --stop-holder "contoso-ike.exe"' },
    -- the pasted command: the holder is stopped, the critical ones never
    { args = { "fix", "Corp-QM", "--allow", "kill", "--stop-holder", "contoso-ike.exe" }, exit = 0,
      outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "handle_check" } },
      actions = { kills = 1, deletes = 1 },
      check = function(t, res, work)
        local have = t.processes(work)
        t.eq(have["contoso-ike.exe"], nil, "the allowed holder was stopped")
        t.eq(have["lsass.exe"], 700)
        t.eq(have["Registry"], 88)
        t.eq(have["LsaIso.exe"], 710)
      end },
  },
}
