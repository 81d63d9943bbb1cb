-- `mend fix` with no names fixes every policy pending deletion (and says so); active ones are not
-- even in the report. --all-pending with a name adds the stuck ones to it.
return {
  scenario_text = [[
return {
  policies = { { name = "A-QM", state = "pending_deletion" }, { name = "B-QM", state = "pending_deletion" },
               { name = "Active-QM", state = "active" } },
}]],
  runs = {
    { args = { "fix" }, exit = 0, outcome = "fixed", count = 2,
      policies = { ["A-QM"] = { outcome = "fixed" }, ["B-QM"] = { outcome = "fixed" } },
      stderr = { "fixing every policy pending deletion (2)" },
      check = function(t, res, work)
        t.check(t.policy(res.report, "Active-QM") == nil, "Active-QM should not be in the report")
        t.check(t.state_policy(t.load_state(work .. "/state.lua"), "Active-QM") ~= nil, "Active-QM must stay")
      end },
    -- Nothing stuck any more: exit 0, said on stderr.
    { args = { "fix" }, exit = 0, count = 0, stderr = { "nothing to fix" } },
    { args = { "fix", "--all-pending", "Active-QM" }, exit = 0, count = 1,
      policies = { ["Active-QM"] = { outcome = "healthy" } } },
  },
}
