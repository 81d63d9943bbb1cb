-- The advice's `mend run ... scripts/offload.lua on` (and docs/shell.md's `mend test
-- scripts/...`) works as pasted from any folder: a SCRIPT path under scripts/ that the current
-- folder lacks is mend's bundled script (the folder these tests run in has no scripts/).
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    t.check(not t.exists("scripts/examples/audit.lua"), "the test folder must have no scripts/ of its own")
    local res = t.mend(work, { "run", "scripts/examples/audit.lua" })
    t.expect(res, { exit = 0, count = 9, actions = { deletes = 0 } }, "run scripts/examples/audit.lua")
    res = t.mend(work, { "fix", "QM-Offload", "--allow", "nic" })
    t.expect(res, { exit = 0, outcome = "fixed", advice = { "mend run --allow nic scripts/offload.lua on" } }, "fix")
    res = t.mend(work, { "run", "--allow", "nic", "scripts/offload.lua", "on" })
    t.expect(res, { exit = 0, actions = { offload_changes = 1 } }, "the advice's command, as pasted")
    res = t.mend(work, { "test", "scripts/examples/custom_ladder.lua" }, { host = false, json = false })
    t.eq(res.rc, 0, "mend test scripts/examples/custom_ladder.lua")
    t.check(res.stdout:find("3 passed, 0 failed", 1, true), "mend test ran the bundled example:\n%s%s", res.stdout, res.stderr)
    res = t.mend(work, { "run", "scripts/no-such-script.lua" })
    t.eq(res.rc, 2, "a missing script is still an error")
    t.check(res.stderr:find("cannot open scripts/no-such-script.lua", 1, true), "names the path as given: %s", res.stderr)
  end,
}
