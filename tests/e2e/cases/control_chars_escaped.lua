-- A policy name holding ESC, CR or a C1 control reaches the terminal as visible escapes, never
-- raw (it could recolour the screen or overwrite "outcome: failed"); the JSON report keeps the
-- name exact.
local NAME = "Evil\27[2J\rQM\194\155x"
return {
  scenario_text = [[
return {
  policies = { { name = "Evil\27[2J\rQM\194\155x", state = "pending_deletion" } },
}]],
  test = function(t, work)
    local res = t.mend(work, { "fix", NAME })
    t.eq(res.rc, 0, "exit code")
    t.check(not res.stderr:find("\27", 1, true), "ESC reached the terminal raw:\n%s", res.stderr)
    t.check(not res.stderr:find("\r", 1, true), "CR reached the terminal raw")
    t.check(not res.stderr:find("\194\155", 1, true), "a C1 control reached the terminal raw")
    t.check(res.stderr:find("Evil\\x1B[2J\\rQM\\u009Bx", 1, true) ~= nil,
            "the name is shown with escapes:\n%s", res.stderr)
    local json = t.mend(work, { "check", NAME, "--json" })
    t.check(json.report ~= nil and json.report.policies[1].name == NAME, "the report keeps the exact name")
  end,
}
