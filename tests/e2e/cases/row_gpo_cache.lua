-- Blocker row "gpo_cache": the delete is accepted but the policy stays until gpupdate /force.
local SCENARIO = [[return { policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "gpo_cache" } } } }]]
return {
  scenario_text = SCENARIO,
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "gpupdate", after = "absent" } },
      actions = { gpupdates = 1, service_restarts = 0, reboots = 0 },
      -- computer policy only, /wait under the run's --timeout (default 1800 s: gpupdate's own 600)
      stderr = { "sys.gpupdate /target:computer /force /wait:600 ok" } },
  },
  test = function(t, work)
    -- A short --timeout: /wait leaves a minute of it for the process wait and the ladder.
    t.write(work .. "/state.lua", SCENARIO)
    local res = t.mend(work, { "fix", "Corp-QM", "--timeout", "200" })
    t.expect(res, { exit = 0, outcome = "fixed", actions = { gpupdates = 1 } }, "short timeout")
    local wait = tonumber(res.stderr:match("sys%.gpupdate /target:computer /force /wait:(%d+) ok"))
    t.check(wait ~= nil and wait >= 100 and wait <= 140, "gpupdate /wait under --timeout 200 minus 60: %s\n%s",
            tostring(wait), res.stderr)
  end,
}
