-- `--report` naming a folder is refused before anything runs (exit 2, the reason on stderr):
-- the fix must not change the machine only to fail at writing its report afterwards.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion" } } }]],
  test = function(t, work)
    os.execute("mkdir -p " .. t.shq(work .. "/reports-folder"))
    local res = t.mend(work, { "fix", "Corp-QM", "--report", work .. "/reports-folder" })
    t.eq(res.rc, 2, "exit code of fix --report FOLDER")
    t.check(res.stderr:find("names a folder; name the report's file", 1, true), "stderr says why:\n%s", res.stderr)
    t.check(not res.stderr:find("cannot write the report", 1, true), "no second complaint:\n%s", res.stderr)
    t.check(res.report and res.report.outcome == "failed", "--json still prints the failed run's report")
    local st = t.load_state(work .. "/state.lua")
    t.eq(st.policies and st.policies[1] and st.policies[1].state, "pending_deletion", "Corp-QM untouched")
    -- A file in that folder is fine.
    res = t.mend(work, { "fix", "Corp-QM", "--report", work .. "/reports-folder/fix.json" })
    t.eq(res.rc, 0, "exit code of fix --report FILE")
    t.check(t.exists(work .. "/reports-folder/fix.json"), "the report file is written")
  end,
}
