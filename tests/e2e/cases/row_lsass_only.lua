-- lsass.exe holding a policy is normal: it blocks nothing and is never stopped, whatever the gates.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" } },
  handles = { { pid = 700, policy = "Corp-QM" } },
}]],
  runs = {
    { args = { "fix", "Corp-QM", "--allow", "all" }, exit = 0,
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "delete" } },
      actions = { kills = 0, reboots = 0 },
      check = function(t, res, work)
        local lsass
        for _, p in ipairs(t.load_state(work .. "/state.lua").processes) do
          if p.name == "lsass.exe" then lsass = p.pid end
        end
        t.eq(lsass, 700, "lsass.exe pid after the run")
      end },
  },
}
