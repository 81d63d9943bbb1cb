-- A named policy that does not exist is a problem (issue 13.1): `check`, `fix` and `batch` exit 1
-- with run outcome not_found, and the advice offers the nearest existing names (letter case
-- ignored, at most 3). "Branch Office QM" typed without quotes is three missing names.
local scenario = [[
return { policies = {
  { name = "Branch Office QM", state = "pending_deletion" },
  { name = "Corp-QM", state = "active" },
  { name = "Corp-QM2", state = "active" },
  { name = "Corp-QM3", state = "active" },
  { name = "Corp-QM4", state = "active" },
  { name = "Lab-Isolation", state = "active" },
} }
]]
return {
  scenario_text = scenario,
  test = function(t, work)
    local before = t.normalize(work)
    -- Unquoted: Branch, Office and QM, none a policy.
    local res = t.mend(work, { "check", "Branch", "Office", "QM" })
    t.expect(res, { exit = 1, outcome = "not_found", count = 3,
      policies = { Branch = { outcome = "not_found" }, Office = { outcome = "not_found" }, QM = { outcome = "not_found" } },
      advice = { 'a name with spaces needs quotes: mend check "Branch Office QM"',
                 "No policy is named Branch. Did you mean: Branch Office QM?" } }, "check unquoted")
    t.check(t.read(work .. "/state.lua") == before, "check changed the state file")
    -- A typo: the nearest names, case ignored, never more than three.
    res = t.mend(work, { "check", "corp-qm5" })
    t.expect(res, { exit = 1, outcome = "not_found",
                    advice = { "No policy is named corp-qm5. Did you mean: Corp-QM, Corp-QM2, Corp-QM3?" } }, "check typo")
    -- Nothing near: no guess, but where to look.
    res = t.mend(work, { "check", "Zzzzzzzzzz" })
    t.expect(res, { exit = 1, outcome = "not_found", advice = { "No policy is named Zzzzzzzzzz (mend check lists" } },
             "check nothing near")
    -- A missing name beside a healthy one still exits 1.
    res = t.mend(work, { "check", "Corp-QM", "Lab-Isolaton" })
    t.expect(res, { exit = 1, outcome = "not_found", policies = { ["Corp-QM"] = { outcome = "healthy" } },
                    advice = { "Did you mean: Lab-Isolation?" } }, "check healthy and typo")
    -- fix: the typo is not_found (exit 1) and the ladder changes nothing for it.
    res = t.mend(work, { "fix", "Branch", "Office", "QM" })
    t.expect(res, { exit = 1, outcome = "not_found", actions = { deletes = 0 },
                    advice = { 'mend fix "Branch Office QM"' } }, "fix unquoted")
    -- fix of a real stuck policy plus a typo: the fixed one is fixed, the run still says not_found.
    res = t.mend(work, { "fix", "Branch Office QM", "Corp-Q" })
    t.expect(res, { exit = 1, outcome = "not_found", policies = { ["Branch Office QM"] = { outcome = "fixed" } },
                    advice = { "No policy is named Corp-Q. Did you mean: Corp-QM" } }, "fix with a typo")
    -- batch: the same.
    t.write(work .. "/list.txt", "Corp-QM\nCorp-QN\n")
    res = t.mend(work, { "batch", work .. "/list.txt" })
    t.expect(res, { exit = 1, outcome = "not_found", advice = { "Did you mean: Corp-QM" } }, "batch")
    -- Without names nothing is missing: a healthy machine exits 0.
    res = t.mend(work, { "check" })
    t.expect(res, { exit = 0, outcome = "healthy" }, "check all")
  end,
}
