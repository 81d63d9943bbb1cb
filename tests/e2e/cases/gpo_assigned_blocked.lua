-- A stuck policy a GPO still assigns: never deleted locally (no netsh, no registry rung, even with
-- --allow all), blocked, and the advice names the GPO, Group Policy Management and gpupdate.
local SCENARIO = [[return { policies = {
  { name = "Corp-QM", state = "pending_deletion", source = "gpo", gpo = "Corp IPsec GPO" } } }]]
local ADVICE = { "GPO 'Corp IPsec GPO'", "Group Policy Management", "gpupdate /target:computer /force" }
return {
  scenario_text = SCENARIO,
  runs = {
    { args = { "check", "Corp-QM" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked" } }, advice = ADVICE },
    { args = { "fix", "Corp-QM", "--allow", "all", "--yes" }, exit = 1, outcome = "failed",
      policies = { ["Corp-QM"] = { outcome = "blocked", rung = "identify", after = "pending_deletion" } },
      actions = { deletes = 0, registry_deletes = 0, gpupdates = 0, service_restarts = 0, reboots = 0 },
      advice_first = "Corp IPsec GPO", advice = ADVICE },
    -- Nothing changed: the next run finds it exactly as before.
    { args = { "fix", "--all-pending", "--allow", "all", "--yes" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked", before = "pending_deletion" } },
      actions = { deletes = 0, registry_deletes = 0, reboots = 0 } },
  },
}
