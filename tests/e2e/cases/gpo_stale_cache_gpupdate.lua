-- A stuck policy cached from a GPO that no longer assigns it: one gpupdate /target:computer /force
-- clears it, with no local delete; a local stuck policy beside it still takes the delete rung.
local SCENARIO = [[return { policies = {
  { name = "Old-QM", state = "pending_deletion", source = "gpo", gpo = "Retired GPO", gpo_assigned = false },
  { name = "Local-QM", state = "pending_deletion" } } }]]
return {
  scenario_text = SCENARIO,
  runs = {
    { args = { "check", "Old-QM" }, exit = 1,
      policies = { ["Old-QM"] = { outcome = "failed" } },
      advice = { "GPO: Retired GPO", "no GPO assigns it", "gpupdate /target:computer /force" } },
    { args = { "fix", "--all-pending" }, exit = 0, outcome = "fixed",
      policies = { ["Old-QM"] = { outcome = "fixed", rung = "gpupdate", after = "absent" },
                   ["Local-QM"] = { outcome = "fixed", rung = "delete", after = "absent" } },
      actions = { gpupdates = 1, deletes = 1, registry_deletes = 0, service_restarts = 0, reboots = 0 },
      stderr = { "sys.gpupdate /target:computer /force" } },
    { args = { "check" }, exit = 0, outcome = "healthy" },
  },
  test = function(t, work)
    -- mend sim show says where each policy comes from.
    t.write(work .. "/state.lua", SCENARIO)
    local res = t.mend(work, { "sim", "show" }, { json = false })
    local out = res.stdout .. res.stderr
    t.check(res.rc == 0 and out:find("Old-QM  pending_deletion, from GPO Retired GPO (stale: no longer assigned)", 1, true)
            and out:find("Local-QM  pending_deletion\n", 1, true), "sim show:\n%s", out)
  end,
}
