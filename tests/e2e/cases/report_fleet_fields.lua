-- The report a fleet consumes: one key order, identical between identical runs (times and the
-- backup names' times aside); changed, exit_code, reboot_required, computer, started, finished,
-- duration_s; [] for an empty list; a usage error under --json is a report with error and
-- exit_code 2; a script's run_outcome and report_data reach the report and the exit code.
local function without_times(text)
  return (text:gsub('\n%s*"started": "[^"]*",', ""):gsub('\n%s*"finished": "[^"]*",', "")
              :gsub('\n%s*"duration_s": [0-9.]+,', "")
              -- a .reg backup's name starts with the second it was written
              :gsub("%d%d%d%d%d%d%d%dT%d%d%d%d%d%dZ%-", "TIME-"))
end

return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    local scenario = t.read(work .. "/scenario.lua")
    -- Two identical fix runs from the same state: the same bytes but for the times.
    local out = {}
    for i = 1, 2 do
      t.write(work .. "/state.lua", scenario)
      os.execute("rm -rf " .. t.shq(work .. "/state") .. " && mkdir -p " .. t.shq(work .. "/state"))
      local res = t.mend(work, { "fix", "--allow", "kill,nic,registry", "--yes" })
      out[i] = res
    end
    t.check(out[1].stdout:find('"steps"', 1, true) ~= nil, "the fix report has steps")
    t.check(without_times(out[1].stdout) == without_times(out[2].stdout),
            "two identical runs gave different reports:\n%s\n----\n%s", out[1].stdout:sub(1, 1500),
            out[2].stdout:sub(1, 1500))

    -- The fields, on the fix that changed the machine.
    local r = out[1].report
    t.eq(r.changed, true, "changed after a fix that deleted")
    t.eq(r.exit_code, out[1].rc, "exit_code is the process's exit code")
    t.eq(type(r.reboot_required), "boolean", "reboot_required is a boolean")
    t.check(type(r.computer) == "string" and r.computer ~= "", "computer names the machine: %s", tostring(r.computer))
    local utc = "^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"
    t.check(tostring(r.started):find(utc) and tostring(r.finished):find(utc), "started/finished in UTC ISO 8601: %s %s",
            tostring(r.started), tostring(r.finished))
    t.check(r.finished >= r.started and type(r.duration_s) == "number" and r.duration_s >= 0, "duration_s")

    -- A read-only check and a dry run change nothing, and say so.
    t.write(work .. "/state.lua", scenario)
    local res = t.mend(work, { "check" })
    t.eq(res.report.changed, false, "changed after check")
    t.eq(res.report.exit_code, 1, "check's exit_code")
    res = t.mend(work, { "fix", "--dry-run", "--allow", "all" })
    t.eq(res.report.changed, false, "changed after a dry run")
    t.check(res.report.actions.deletes > 0, "a dry run still counts what it would do")

    -- A policy only a reboot can finish.
    t.write(work .. "/state.lua", t.read(t.SRC .. "/scenarios/tests/reboot_only.lua"))
    res = t.mend(work, { "fix" })
    t.eq(res.report.reboot_required, true, "reboot_required when only a reboot remains")
    t.eq(res.report.exit_code, 3, "exit_code 3 for reboot_required")

    -- A script's own verdict, its data, and an empty list.
    t.write(work .. "/script.lua", [[
mend.step{ rung = "audit", action = "inspect", ok = true, found = {}, zeta = 1, alpha = { b = 2, a = 1 } }
mend.report_data("inventory", { nics = 2, names = { "Ethernet0", "Wi-Fi" }, none = {} })
mend.report_data("note", "checked by hand")
mend.run_outcome("partial")
]])
    res = t.mend(work, { "run", work .. "/script.lua" })
    t.eq(res.rc, 1, "a script's partial outcome exits 1")
    t.eq(res.report.outcome, "partial", "run_outcome reaches the report")
    t.eq(res.report.exit_code, 1, "exit_code of a partial run")
    t.check(res.stdout:find('"found": []', 1, true), "an empty Lua table is []:\n%s", res.stdout)
    t.check(res.stdout:find('"alpha": {"a": 1, "b": 2}, "found": [], "zeta": 1', 1, true),
            "a step's own keys come sorted:\n%s", res.stdout)
    local inv = res.report.data and res.report.data.inventory
    t.eq(inv and inv.nics, 2, "data.inventory.nics")
    t.eq(inv and inv.names and inv.names[2], "Wi-Fi", "data.inventory.names[2]")
    t.check(res.stdout:find('"none": []', 1, true), "an empty list in data is []")
    t.eq(res.report.data and res.report.data.note, "checked by hand", "data.note")
    t.check(res.stdout:find('"policies": []', 1, true), "no policies is []")

    -- A usage error under --json is still one report.
    res = t.mend(work, { "fix", "--no-such-option" })
    t.eq(res.rc, 2, "usage error exit code")
    t.check(res.report ~= nil, "a usage error under --json prints a report:\n%s", res.stdout)
    t.eq(res.report and res.report.exit_code, 2, "usage error's exit_code")
    t.eq(res.report and res.report.outcome, "failed", "usage error's outcome")
    t.check(res.report and tostring(res.report.error):find("no-such-option", 1, true), "usage error's error names it")
  end,
}
