-- mend capture keeps a GPO-delivered policy a GPO's in the twin (source, gpo, gpo_assigned), so
-- the twin's check and fix answer as the machine's do: blocked for the assigned one, one
-- gpupdate for the stale copy.
local SCENARIO = [[return { policies = {
  { name = "Corp-QM", state = "pending_deletion", source = "gpo", gpo = "Corp IPsec GPO" },
  { name = "Old-QM", state = "pending_deletion", source = "gpo", gpo = "Retired GPO", gpo_assigned = false } } }]]
return {
  scenario_text = SCENARIO,
  test = function(t, work)
    t.write(work .. "/state.lua", SCENARIO)
    local twin = work .. "/twin.lua"
    local res = t.mend(work, { "capture", "-o", twin }, { json = false })
    t.check(res.rc == 0, "capture exit %d\n%s", res.rc, res.stderr)
    local text = t.read(twin) or ""
    t.check(text:find('source = "gpo", gpo = "Corp IPsec GPO"', 1, true) ~= nil, "twin keeps Corp-QM's GPO:\n%s", text)
    t.check(text:find('gpo = "Retired GPO", gpo_assigned = false', 1, true) ~= nil, "twin keeps the stale copy:\n%s", text)
    os.rename(twin, work .. "/state.lua")
    t.expect(t.mend(work, { "check" }), { exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked" }, ["Old-QM"] = { outcome = "failed" } } }, "check of the twin")
    t.expect(t.mend(work, { "fix", "--all-pending" }), { exit = 1, outcome = "partial",
      policies = { ["Corp-QM"] = { outcome = "blocked", rung = "identify" },
                   ["Old-QM"] = { outcome = "fixed", rung = "gpupdate" } },
      actions = { gpupdates = 1, deletes = 0 } }, "fix of the twin")
  end,
}
